"""Tables of the stream consumer: its checkpoint and the log of levels it raised.

``stream_checkpoints`` holds, per consumer, the stream offset whose effects are committed
(written in the same transaction as the warnings those events produced) and a snapshot of the
scoring state with its own, older offset, and the lookups the events after that snapshot
were scored with (changed only together with a snapshot, so a catch-up never spans a swap).
``stream_raises`` records which event first took each warned episode to each level; its
unique key makes a level raised twice by a replay an error instead of a silent duplicate.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, DateTime, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from fanzha.store.database import Base


class StreamCheckpoint(Base):
    """Where one consumer is: committed offset, and the last state snapshot."""

    __tablename__ = "stream_checkpoints"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    offset: Mapped[str] = mapped_column(String(40))
    events: Mapped[int] = mapped_column(BigInteger, default=0)
    snapshot_offset: Mapped[str | None] = mapped_column(String(40))
    snapshot_events: Mapped[int] = mapped_column(BigInteger, default=0)
    snapshot: Mapped[bytes | None] = mapped_column(LargeBinary)
    rules_version: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)
    # the lookups the events after ``snapshot_offset`` were scored with: their content digest
    # and (deferred: loaded only when a restart needs them) a compressed pickle of them
    lookups_version: Mapped[str | None] = mapped_column(String(64))
    lookups: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)


class StreamRaise(Base):
    """The event (stream offset) that first took a warned episode to a level."""

    __tablename__ = "stream_raises"
    __table_args__ = (
        UniqueConstraint("resident_id", "episode_start", "level", name="uq_stream_raise"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resident_id: Mapped[str] = mapped_column(String(32))
    episode_start: Mapped[dt.datetime] = mapped_column(DateTime)
    level: Mapped[int] = mapped_column(Integer)
    offset: Mapped[str] = mapped_column(String(40))
    reached_at: Mapped[dt.datetime] = mapped_column(DateTime)
    committed_at: Mapped[dt.datetime] = mapped_column(DateTime)
