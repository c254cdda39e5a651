"""What partners send and what they are answered (JSON API bodies)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

MAX_ROWS = 1000  # rows per request


class AccountRowIn(BaseModel):
    """One suspicious account. Fields are loose on purpose: each row is checked on its own,
    and a bad row is answered with its reason instead of failing the whole request."""

    row_id: str | None = Field(None, description="the partner's own id of the row (idempotency)")
    kind: str = Field("account", description="only `account` (bank card or account number)")
    account: str | None = None
    fraud_type: str | None = Field(None, description="code or Chinese name; default `other`")
    confidence: float | None = Field(None, description="0–1, default 1")
    since: dt.datetime | None = Field(None, description="first fraudulent use, UTC (optional)")


class AccountBatchIn(BaseModel):
    """A batch of rows (at most 1000)."""

    rows: list[AccountRowIn] = Field(min_length=1, max_length=MAX_ROWS)


class RowResult(BaseModel):
    """What became of one row: ``accepted``, ``rejected`` (with ``reason``) or, for a row id
    already received, ``duplicate`` with the first answer's status and reason."""

    row_id: str | None
    status: str
    reason: str | None = None
    first_status: str | None = None


class BatchResult(BaseModel):
    """The answer to a push: counts and one result per row, in order."""

    received: int
    accepted: int
    rejected: int
    duplicates: int
    rows: list[RowResult]


class RejectedRow(BaseModel):
    """A rejected row as the status page lists it."""

    row_id: str
    account: str
    reason: str | None
    received_at: dt.datetime


class MatchedRow(BaseModel):
    """An accepted row that a warning cites."""

    row_id: str
    account: str
    warnings: int


class PartnerStatus(BaseModel):
    """What a partner sent (all time and today) and what came of it."""

    partner: str
    received: int
    accepted: int
    rejected: int
    received_today: int
    daily_quota: int
    matched: int
    rejected_rows: list[RejectedRow]
    matched_rows: list[MatchedRow]
