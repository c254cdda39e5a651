"""The ``warnings`` table and its schemas.

The typed record (:class:`Reason`, :class:`LevelStep`, :class:`WarningStatus`) is defined in
:mod:`fanzha.core.warning_record` (detection shares it) and re-exported here. The JSON columns
``reasons`` and ``level_history`` go through :class:`ReasonsJSON` and :class:`HistoryJSON`, the
one serialise/parse pair, and ``is_open`` is set only by :meth:`EarlyWarning._derive_open`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    Integer,
    String,
    UniqueConstraint,
    true,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, mapped_column, validates
from sqlalchemy.types import TypeDecorator

from fanzha.core.warning_record import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    LevelStep,
    Reason,
    WarningStatus,
    dump_history,
    dump_reasons,
    merge_history,
    parse_history,
    parse_reasons,
)
from fanzha.errors import WorkflowError
from fanzha.store.database import Base

__all__ = [
    "CLOSED_STATUSES",
    "OPEN_STATUSES",
    "EarlyWarning",
    "HistoryJSON",
    "LevelStep",
    "Reason",
    "ReasonsJSON",
    "WarningRead",
    "WarningStatus",
    "merge_history",
]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class ReasonsJSON(TypeDecorator[list[Reason]]):
    """``list[Reason]`` stored as a JSON array (dicts are validated on the way in)."""

    impl = JSON
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        return None if value is None else dump_reasons(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> list[Reason]:
        return parse_reasons(value)


class HistoryJSON(TypeDecorator[list[LevelStep]]):
    """``list[LevelStep]`` stored as a JSON array of ``{"level", "at"}``."""

    impl = JSON
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        return None if value is None else dump_history(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> list[LevelStep]:
        return parse_history(value)


class EarlyWarning(Base):
    """One warning: a resident in one risk episode, with its level, type and reasons.

    Times are naive local times of the centre's zone (as in the event store), except
    ``created_at``/``updated_at`` which are UTC wall-clock bookkeeping.
    """

    __tablename__ = "warnings"
    __table_args__ = (UniqueConstraint("resident_id", "episode_start", name="uq_warning_episode"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resident_id: Mapped[str] = mapped_column(String(32), index=True)
    phone: Mapped[int | None] = mapped_column(BigInteger, index=True)
    community: Mapped[str | None] = mapped_column(String(64))
    station: Mapped[str | None] = mapped_column(String(64), index=True)
    episode_start: Mapped[dt.datetime] = mapped_column(DateTime)
    warned_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    last_signal_at: Mapped[dt.datetime] = mapped_column(DateTime)
    level: Mapped[int] = mapped_column(Integer, index=True)
    level_history: Mapped[list[LevelStep]] = mapped_column(HistoryJSON, default=list)
    fraud_type: Mapped[str] = mapped_column(String(64), default="other")
    score: Mapped[float] = mapped_column(Float)
    reasons: Mapped[list[Reason]] = mapped_column(ReasonsJSON, default=list)
    n_signals: Mapped[int] = mapped_column(Integer, default=0)
    rules_version: Mapped[str] = mapped_column(String(64))
    engine: Mapped[str] = mapped_column(String(16), default="duckdb")
    source: Mapped[str] = mapped_column(String(16), default="detection")
    status: Mapped[str] = mapped_column(String(24), default="new", index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now, onupdate=_now)
    version_id: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    # --- the warning desk's columns (migration 0002_desk) ---
    source_unit: Mapped[str | None] = mapped_column(String(64))  # issuing unit of a lead
    instruction_no: Mapped[str | None] = mapped_column(String(64))  # 指令编号
    is_open: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    assignee_id: Mapped[int | None] = mapped_column(Integer)  # indexed with the queue: 0004
    routed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)  # SLA clocks start here
    sla_level: Mapped[int | None] = mapped_column(Integer)  # level the deadlines were set for
    signed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    contacted_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    visited_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    due_at: Mapped[dt.datetime | None] = mapped_column(DateTime)  # next SLA deadline
    due_stage: Mapped[str | None] = mapped_column(String(16))  # sign / contact / visit
    breached_at: Mapped[dt.datetime | None] = mapped_column(DateTime)  # first missed deadline
    escalated_stage: Mapped[str | None] = mapped_column(String(16))  # last stage escalated
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    outcome: Mapped[str | None] = mapped_column(String(24))  # latest outcome category
    # --- tiered response (migration 0013_tiers; docs/tiers.md) ---
    tier: Mapped[str | None] = mapped_column(String(16), index=True)
    tier_reasons: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    tier_rank: Mapped[int | None] = mapped_column(Integer)  # place in the day's one-to-one list
    tier_at: Mapped[dt.datetime | None] = mapped_column(DateTime)  # when the tier was last set
    tier_as_of: Mapped[dt.datetime | None] = mapped_column(DateTime)  # last signal judged
    reached_at: Mapped[dt.datetime | None] = mapped_column(DateTime)  # first contact tier
    tier_rules_version: Mapped[str | None] = mapped_column(String(64))
    victim_score: Mapped[float | None] = mapped_column(Float)  # P(engaged), victim model
    victim_explanation: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)

    __mapper_args__ = {"version_id_col": version_id}  # noqa: RUF012 - SQLAlchemy API

    @validates("status")
    def _derive_open(self, key: str, value: str) -> str:
        """Every status change goes through here: ``is_open`` follows the status."""
        try:
            status = WarningStatus.parse(value)
        except ValueError as exc:
            raise WorkflowError(str(exc), warning=self.id) from exc
        self.is_open = status.is_open
        return status.value

    def close(self, status: WarningStatus, now: dt.datetime) -> None:
        """Close the warning (a final outcome, or transferred out); its deadlines end."""
        if status.is_open:
            raise WorkflowError("not a closing status", status=status.value)
        self.status, self.closed_at = status, now
        self.due_at = self.due_stage = None


class WarningRead(BaseModel):
    """A warning as the API shows it (phone masked by the caller when needed)."""

    model_config = {"from_attributes": True}

    id: int
    resident_id: str
    station: str | None
    episode_start: dt.datetime
    warned_at: dt.datetime
    level: int
    fraud_type: str
    score: float
    reasons: list[Reason]
    status: WarningStatus
