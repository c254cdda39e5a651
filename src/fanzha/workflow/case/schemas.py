"""What enters and leaves the case registry: money in yuan (exact), the create/read schemas.

Amounts are typed in yuan (``1,234.50``, ``¥300``, ``300元``) and stored in fen: the text is read
as a :class:`~decimal.Decimal`, so ``0.1 + 0.2`` problems never arise, and more than two
decimal places is an error rather than a silent rounding.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from pydantic import BaseModel, Field, field_validator

from fanzha.core import fraud_types, phone

__all__ = [
    "AccountCreate",
    "AccountRead",
    "CaseClocks",
    "CaseCreate",
    "CaseRead",
    "fen_of",
    "yuan",
]

_MONEY_NOISE = re.compile(r"[\s,¥￥元]")
MAX_FEN = 10**15  # a trillion yuan: anything above is a typing error


def fen_of(text: str | Decimal | int | float | None) -> int:
    """Yuan (text or number) → fen, exactly; ``ValueError`` for negatives, junk or sub-fen."""
    if text is None or (isinstance(text, str) and not text.strip()):
        return 0
    raw = _MONEY_NOISE.sub("", str(text))
    try:
        value = Decimal(raw)
    except InvalidOperation as exc:
        raise ValueError(f"not an amount of money: {text!r}") from exc
    if not value.is_finite():
        raise ValueError(f"not an amount of money: {text!r}")
    if value < 0:
        raise ValueError(f"amount must not be negative: {text!r}")
    fen = value * 100
    if fen != fen.to_integral_value():
        raise ValueError(f"amount has more than two decimals: {text!r}")
    if fen > MAX_FEN:
        raise ValueError(f"amount is implausibly large: {text!r}")
    return int(fen)


def yuan(fen: int) -> str:
    """Fen → yuan text with two decimals (``123456`` → ``1234.56``)."""
    return f"{Decimal(fen) / 100:.2f}"


@dataclass(frozen=True)
class CaseClocks:
    """The stop-payment clocks (*configurable*, ``FANZHA_CASE_*``)."""

    stop_minutes: int = 30  # a stop filed within this many minutes of the report is on time
    receive_only_hours: int = 48  # an emergency stop makes the account receive-only this long


class AccountCreate(BaseModel):
    """A first-level payee account (一级账户) of a case and what the victim paid into it."""

    account: str = Field(min_length=4, max_length=64)
    bank: str = Field("", max_length=64)
    paid: Decimal | str = "0"  # yuan
    paid_at: dt.datetime | None = None
    # the stop-payment / freeze / return trail, when already known (import, partner systems)
    stop_at: dt.datetime | None = None
    stopped: Decimal | str | None = None  # yuan held by the stop
    frozen_at: dt.datetime | None = None
    frozen: Decimal | str | None = None
    returned_at: dt.datetime | None = None
    returned: Decimal | str | None = None

    @field_validator("account")
    @classmethod
    def _account(cls, value: str) -> str:
        cleaned = re.sub(r"\s+", "", value)
        if len(cleaned) < 4:
            raise ValueError("account number too short")
        return cleaned

    @field_validator("paid", "stopped", "frozen", "returned")
    @classmethod
    def _money(cls, value: Decimal | str | None) -> Decimal | str | None:
        if value is not None:
            fen_of(value)  # ValueError → a field error naming the amount
        return value

    @property
    def paid_fen(self) -> int:
        """The paid amount in fen."""
        return fen_of(self.paid)


class CaseCreate(BaseModel):
    """A fraud report (报案) as the entry form, the API and the importer give it."""

    case_no: str = Field(min_length=1, max_length=64)
    reported_at: dt.datetime
    occurred_at: dt.datetime | None = None
    phone: str | None = Field(None, max_length=32)  # the victim's phone, any written form
    resident_id: str | None = Field(None, max_length=32)  # pseudonym, when known
    victim_age: int | None = Field(None, ge=0, le=120)
    community: str | None = Field(None, max_length=64)
    station: str | None = Field(None, max_length=64)
    fraud_type: str | None = None  # None keeps the stored type (a new case: "other")
    loss: Decimal | str | None = None  # yuan; empty = the sum paid into the accounts
    note: str = Field("", max_length=4000)
    solved: bool = False
    solved_at: dt.datetime | None = None
    arrests: int = Field(0, ge=0, le=10_000)
    accounts: list[AccountCreate] = Field(default_factory=list)

    @field_validator("loss")
    @classmethod
    def _loss(cls, value: Decimal | str | None) -> Decimal | str | None:
        if value is not None:
            fen_of(value)
        return value

    @field_validator("case_no")
    @classmethod
    def _case_no(cls, value: str) -> str:
        cleaned = value.strip()
        if not cleaned:
            raise ValueError("case number is empty")
        return cleaned

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        phone.parse(value)  # PhoneError is a ValueError: reported as a field error
        return value

    @field_validator("fraud_type")
    @classmethod
    def _fraud_type(cls, value: str | None) -> str | None:
        return fraud_types.parse(value) if value and value.strip() else None

    @property
    def phone_key(self) -> int | None:
        """The victim's phone as its integer key."""
        return phone.parse(self.phone) if self.phone else None

    @property
    def loss_fen(self) -> int | None:
        """The loss in fen, or None when not given."""
        if self.loss is None or (isinstance(self.loss, str) and not self.loss.strip()):
            return None
        return fen_of(self.loss)


class AccountRead(BaseModel):
    """An account as lists and partners see it: the number masked, amounts in fen."""

    id: int
    bank: str
    account_masked: str
    paid_fen: int
    paid_at: dt.datetime | None
    stop_requested_at: dt.datetime | None
    stop_minutes_after_report: int | None
    stop_on_time: bool | None
    stopped_fen: int
    stop_expires_at: dt.datetime | None
    frozen_at: dt.datetime | None
    frozen_fen: int
    returned_at: dt.datetime | None
    returned_fen: int


class CaseRead(BaseModel):
    """A case as lists and partners see it: the victim's phone masked."""

    id: int
    case_no: str
    reported_at: dt.datetime
    occurred_at: dt.datetime | None
    phone_masked: str
    resident_linked: bool
    victim_age: int | None
    community: str | None
    station: str | None
    fraud_type: str
    loss_fen: int
    frozen_fen: int
    returned_fen: int
    solved: bool
    solved_at: dt.datetime | None
    arrests: int
    warning_id: int | None
    source: str
    version: int
    accounts: list[AccountRead] = Field(default_factory=list)
