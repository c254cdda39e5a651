"""The table that links a warning's automated contacts to the tiering.

``tier_contact_outcomes`` holds one row per outbox row of a warning whose final status the
tiering has applied (escalated or not). Its primary key is the outbox row, so an outcome is
applied once however often :func:`fanzha.workflow.tier.outreach.apply_outcomes` runs, with
what the escalation policy decided: a repeated robot call due at ``retry_at``, a hold below the
officer gate (with a fallback SMS due), an escalation.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from fanzha.store.database import Base


class ContactOutcome(Base):
    """One automated contact's final status, as the tiering applied it."""

    __tablename__ = "tier_contact_outcomes"

    outbox_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("notify_outbox.id"), primary_key=True
    )
    warning_id: Mapped[int] = mapped_column(Integer, ForeignKey("warnings.id"), index=True)
    channel: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))  # the outbox row's final status
    event: Mapped[str | None] = mapped_column(String(16))  # escalation event; None: reached
    escalated: Mapped[bool] = mapped_column(Boolean)
    applied_at: Mapped[dt.datetime] = mapped_column(DateTime)
    # what the escalation policy decided (engine.after_contact; migration 0019_tier_retry):
    # reached, none, escalate, retry, hold, hold_sms (held, a fallback SMS due)
    decision: Mapped[str | None] = mapped_column(String(16), index=True)
    retry_at: Mapped[dt.datetime | None] = mapped_column(DateTime)  # a retry's call is due
