"""The ``actions`` table, the action kinds and the escalation ladder."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from fanzha.store.database import Base
from fanzha.workflow.roles import Permission


class ActionKind(StrEnum):
    """What was done about a warning."""

    SIGN = "sign"  # 签收
    CALL = "call"  # 电话劝阻
    SMS = "sms"  # 短信/闪信
    RELATIVE = "relative"  # 联系亲友
    VISIT = "visit"  # 上门见面劝阻
    OPERATOR_ASSIST = "operator_assist"  # 请运营商协助 (e.g. suspend the line)
    STOP_PAYMENT = "stop_payment"  # 保护性止付 on the person's own cards
    TRANSFER = "transfer"  # 移交
    ASSIGN = "assign"  # (re)assignment
    ESCALATE = "escalate"  # SLA breach escalated to the centre supervisor


ACTION_PERMISSION: dict[ActionKind, Permission] = {
    ActionKind.SIGN: Permission.SIGN,
    ActionKind.CALL: Permission.ACT,
    ActionKind.SMS: Permission.ACT,
    ActionKind.RELATIVE: Permission.ACT,
    ActionKind.VISIT: Permission.ACT,
    ActionKind.OPERATOR_ASSIST: Permission.ACT,
    ActionKind.STOP_PAYMENT: Permission.STOP_PAYMENT,
    ActionKind.TRANSFER: Permission.TRANSFER,
    ActionKind.ASSIGN: Permission.ASSIGN,
}
# Kinds an officer records through the action form.
FORM_KINDS = (
    ActionKind.CALL,
    ActionKind.SMS,
    ActionKind.RELATIVE,
    ActionKind.VISIT,
    ActionKind.OPERATOR_ASSIST,
    ActionKind.STOP_PAYMENT,
)
CONTACT_KINDS = frozenset({ActionKind.CALL, ActionKind.SMS, ActionKind.RELATIVE})
# The escalation ladder when a person cannot be reached or will not listen.
LADDER = (
    ActionKind.CALL,
    ActionKind.RELATIVE,
    ActionKind.VISIT,
    ActionKind.OPERATOR_ASSIST,
    ActionKind.STOP_PAYMENT,
)
CALL_RESULTS = ("reached", "no_answer", "refused", "busy", "wrong_number")


class Action(Base):
    """One recorded action; the log of a warning's handling."""

    __tablename__ = "actions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    warning_id: Mapped[int] = mapped_column(Integer, ForeignKey("warnings.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    actor: Mapped[str] = mapped_column(String(160))
    user_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("users.id"))
    result: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ActionCreate(BaseModel):
    """An action as the form and the API give it."""

    kind: ActionKind
    result: str | None = Field(None, max_length=32)
    note: str = Field("", max_length=2000)
    reason: str | None = Field(None, max_length=500)  # stop-payment: why
    notice: str | None = Field(None, max_length=1000)  # stop-payment: notice given to the person
    appeal_channel: str | None = Field(None, max_length=200)  # stop-payment: how to appeal


class ActionRead(BaseModel):
    """An action as shown."""

    model_config = {"from_attributes": True}

    id: int
    kind: str
    at: dt.datetime
    actor: str
    result: str | None
    note: str
    details: dict[str, Any]
