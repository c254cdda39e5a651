"""The retention tables: purge runs, the ledger of purged rows, and the link tokens.

``retention_purged`` marks each purged row (table and id) with its run and time, so a purge is
idempotent (a marked row is never purged again) and reportable. The desk's own tables are not
changed by this module's migration: the mark lives beside them, not in them.

``retention_tokens`` keeps, for a person whose records are being purged, the random
placeholder (``purged:<16 hex>``) that replaces their resident id, so warnings and cases of
the same person purged in different runs still join (post-warning victimisation stays the
same). A token row holds the resident id or phone only while some not-yet-purged record still
holds it too; each run deletes the others.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from fanzha.store.database import Base


class RetentionRun(Base):
    """One ``fanzha retention purge`` run (dry runs are not recorded)."""

    __tablename__ = "retention_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    as_of: Mapped[dt.datetime] = mapped_column(DateTime)
    cutoff: Mapped[dt.datetime] = mapped_column(DateTime)  # records older than this purged
    days: Mapped[int] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(160))
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class PurgedRow(Base):
    """A row whose personal data was purged (one per table and id)."""

    __tablename__ = "retention_purged"

    table_name: Mapped[str] = mapped_column(String(32), primary_key=True)
    row_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(Integer, ForeignKey("retention_runs.id"), index=True)
    purged_at: Mapped[dt.datetime] = mapped_column(DateTime)


class PurgeToken(Base):
    """The placeholder standing for one person while their records are purged."""

    __tablename__ = "retention_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resident_id: Mapped[str | None] = mapped_column(String(32), unique=True)
    phone: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    token: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
