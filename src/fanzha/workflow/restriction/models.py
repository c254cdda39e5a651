"""The ``restrictions`` and ``restriction_appeals`` tables and their schemas.

A protective stop-payment (保护性止付) on a warned person's own cards is a restriction of that
person's rights: it carries the reason, the notice given and the appeal channel, stays
``active`` until it is lifted (by hand, or at once when an appeal is upheld), and every appeal
and decision is kept.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import BaseModel, Field
from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from fanzha.store.database import Base


class RestrictionKind(StrEnum):
    """What is restricted."""

    STOP_PAYMENT = "stop_payment"  # 保护性止付 on the person's own cards


class RestrictionStatus(StrEnum):
    """Whether the restriction still holds."""

    ACTIVE = "active"
    LIFTED = "lifted"


class Decision(StrEnum):
    """The decision on an appeal: upheld lifts the restriction at once."""

    UPHELD = "upheld"
    REJECTED = "rejected"


APPEAL_UPHELD_REASON = "appeal upheld"


class Restriction(Base):
    """One restriction put on a warned resident, from request to lifting."""

    __tablename__ = "restrictions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    warning_id: Mapped[int] = mapped_column(Integer, ForeignKey("warnings.id"), index=True)
    action_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("actions.id"))
    resident_id: Mapped[str] = mapped_column(String(32), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    reason: Mapped[str] = mapped_column(Text)
    notice: Mapped[str] = mapped_column(Text)
    appeal_channel: Mapped[str] = mapped_column(String(200))
    requested_at: Mapped[dt.datetime] = mapped_column(DateTime)
    requested_by: Mapped[str] = mapped_column(String(160))
    status: Mapped[str] = mapped_column(String(16), index=True)
    lifted_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    lifted_by: Mapped[str | None] = mapped_column(String(160))
    lift_reason: Mapped[str | None] = mapped_column(Text)


class Appeal(Base):
    """An appeal against a restriction (申诉) and the decision on it."""

    __tablename__ = "restriction_appeals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    restriction_id: Mapped[int] = mapped_column(Integer, ForeignKey("restrictions.id"), index=True)
    appealed_at: Mapped[dt.datetime] = mapped_column(DateTime)
    recorded_by: Mapped[str] = mapped_column(String(160))
    text: Mapped[str] = mapped_column(Text)
    decision: Mapped[str | None] = mapped_column(String(16))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    decided_by: Mapped[str | None] = mapped_column(String(160))
    decision_note: Mapped[str | None] = mapped_column(Text)


class LiftIn(BaseModel):
    """Lifting a restriction by hand: the reason is required."""

    reason: str = Field(min_length=1, max_length=1000)


class AppealIn(BaseModel):
    """An appeal as the person made it."""

    text: str = Field(min_length=1, max_length=2000)


class DecisionIn(BaseModel):
    """The decision on an appeal."""

    decision: Decision
    note: str = Field("", max_length=2000)


class AppealRead(BaseModel):
    """An appeal as shown."""

    model_config = {"from_attributes": True}

    id: int
    appealed_at: dt.datetime
    recorded_by: str
    text: str
    decision: str | None
    decided_at: dt.datetime | None
    decided_by: str | None
    decision_note: str | None


class RestrictionRead(BaseModel):
    """A restriction as shown (with its appeals)."""

    model_config = {"from_attributes": True}

    id: int
    warning_id: int
    kind: str
    reason: str
    notice: str
    appeal_channel: str
    requested_at: dt.datetime
    requested_by: str
    status: str
    lifted_at: dt.datetime | None
    lifted_by: str | None
    lift_reason: str | None
    appeals: list[AppealRead] = []
