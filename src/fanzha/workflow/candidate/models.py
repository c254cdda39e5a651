"""The ``candidate_indicators`` table (the analyst review queue) and its read schema."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel
from sqlalchemy import JSON, BigInteger, DateTime, Float, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from fanzha.store.database import Base

PENDING = "pending"
CONFIRMED = "confirmed"
REJECTED = "rejected"
STATUSES = (PENDING, CONFIRMED, REJECTED)


class CandidateIndicator(Base):
    """A number (or other indicator) a model proposes for the blacklist, awaiting review.

    ``last_activity`` is the newest event time behind the proposal: a rejected number is
    proposed again only when it shows activity after the rejected proposal's ``last_activity``.
    """

    __tablename__ = "candidate_indicators"
    __table_args__ = (Index("ix_candidate_value_status", "kind", "value", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), default="phone")
    value: Mapped[str] = mapped_column(String(256))
    phone: Mapped[int | None] = mapped_column(BigInteger, index=True)
    score: Mapped[float] = mapped_column(Float)
    fraud_type: Mapped[str] = mapped_column(String(64), default="other")
    model_version: Mapped[str] = mapped_column(String(64))
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    last_activity: Mapped[dt.datetime | None] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(16), default=PENDING, index=True)
    proposed_at: Mapped[dt.datetime] = mapped_column(DateTime)
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    decided_by: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)
    valid_to: Mapped[dt.datetime | None] = mapped_column(DateTime)


class CandidateRead(BaseModel):
    """A candidate as lists and the API show it (the phone masked by the caller)."""

    model_config = {"from_attributes": True}

    id: int
    kind: str
    value: str
    score: float
    fraud_type: str
    model_version: str
    status: str
    proposed_at: dt.datetime
    decided_at: dt.datetime | None
    decided_by: str | None
    valid_to: dt.datetime | None
