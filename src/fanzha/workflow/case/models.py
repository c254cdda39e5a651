"""The ``cases`` and ``case_accounts`` tables.

A case is one fraud report (报案). Its money trail is a list of first-level payee accounts
(一级账户), each with the stop-payment and freeze clocks of ``domain.md``: the stop-payment
should be filed within 30 minutes of the report, makes the account receive-only for 48 hours,
and a freeze follows; frozen money is later returned to the victim.

Times are naive local times of the centre's zone (like warnings); amounts are in fen.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from fanzha.store.database import Base


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Case(Base):
    """One fraud report and what came of it."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_no: Mapped[str] = mapped_column(String(64), unique=True)  # 警情/案件编号
    reported_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    occurred_at: Mapped[dt.datetime | None] = mapped_column(DateTime)  # first payment
    victim_resident_id: Mapped[str | None] = mapped_column(String(32), index=True)
    victim_phone: Mapped[int | None] = mapped_column(BigInteger, index=True)
    victim_age: Mapped[int | None] = mapped_column(Integer)
    community: Mapped[str | None] = mapped_column(String(64))
    station: Mapped[str | None] = mapped_column(String(64), index=True)
    fraud_type: Mapped[str] = mapped_column(String(64), default="other")
    loss_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    solved: Mapped[bool] = mapped_column(Boolean, default=False)  # 破案
    solved_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    arrests: Mapped[int] = mapped_column(Integer, default=0)  # suspects arrested
    warning_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("warnings.id"))
    source: Mapped[str] = mapped_column(String(16), default="manual")  # manual / import / sim
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now, onupdate=_now)
    version_id: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version_id}  # noqa: RUF012 - SQLAlchemy API


class CaseAccount(Base):
    """A first-level payee account of a case with its stop-payment/freeze/return trail."""

    __tablename__ = "case_accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(Integer, ForeignKey("cases.id"), index=True)
    bank: Mapped[str] = mapped_column(String(64), default="")
    account: Mapped[str] = mapped_column(String(64))  # sensitive: masked when shown
    paid_fen: Mapped[int] = mapped_column(BigInteger, default=0)  # victim paid into it
    paid_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    stop_requested_at: Mapped[dt.datetime | None] = mapped_column(DateTime)  # 紧急止付 filed
    stopped_fen: Mapped[int] = mapped_column(BigInteger, default=0)  # held by the stop
    stop_expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime)  # receive-only end
    frozen_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    frozen_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    returned_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    returned_fen: Mapped[int] = mapped_column(BigInteger, default=0)
