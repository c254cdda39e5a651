"""The log of account rows partners pushed: one row per (API key, partner's row id).

Every row received is kept, accepted or rejected with its reason, so that a partner can see
what it sent and a resend of the same row id is answered from the log (idempotent). Accepted
rows are also written to the event store's ``indicators`` table with ``source`` naming the
partner and the row, which is how a warning's reason points back to the row that caused it.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from fanzha.store.database import Base

ACCEPTED = "accepted"
REJECTED = "rejected"


class PartnerAccountRow(Base):
    """One suspicious-account row as a partner sent it, and what became of it."""

    __tablename__ = "partner_account_rows"
    __table_args__ = (
        UniqueConstraint("key_id", "row_id", name="uq_partner_account_row"),
        Index("ix_partner_account_rows_key_received", "key_id", "received_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key_id: Mapped[int] = mapped_column(Integer, ForeignKey("api_keys.id"))
    partner: Mapped[str] = mapped_column(String(128))  # the key's name at the time
    row_id: Mapped[str] = mapped_column(String(64))  # the partner's own id of the row
    account: Mapped[str] = mapped_column(String(64))  # as normalised (whitespace removed)
    fraud_type: Mapped[str | None] = mapped_column(String(64))
    confidence: Mapped[float | None] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(16))  # accepted / rejected
    reason: Mapped[str | None] = mapped_column(String(200))  # why it was rejected
    source: Mapped[str | None] = mapped_column(String(200))  # the indicator's source
    received_at: Mapped[dt.datetime] = mapped_column(DateTime)  # UTC
    valid_to: Mapped[dt.datetime | None] = mapped_column(DateTime)
