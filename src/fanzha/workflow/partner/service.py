"""Check partners' account rows one by one, log them, and blacklist the accepted ones.

A row is rejected (with its reason, logged) when its kind is not ``account``, its account is
not 8–32 digits once spaces are removed, its fraud type or confidence is unknown or out of
range, its ``since`` lies in the future, or the same partner already listed the account. A row
without ``row_id`` is rejected but cannot be logged. A ``row_id`` already received from the same
key is answered ``duplicate`` with the first answer, and changes nothing (idempotent).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fanzha.core import fraud_types
from fanzha.errors import QuotaExceededError
from fanzha.workflow.partner.indicators import AccountIndicator
from fanzha.workflow.partner.models import ACCEPTED, REJECTED, PartnerAccountRow
from fanzha.workflow.partner.schemas import AccountRowIn, BatchResult, RowResult
from fanzha.workflow.roles import Principal

logger = logging.getLogger(__name__)
_ACCOUNT = re.compile(r"[0-9]{8,32}")
DUPLICATE = "duplicate"


@dataclass(frozen=True)
class Limits:
    """The per-key daily quota and how long an accepted account stays blacklisted."""

    daily_rows: int
    valid_days: int


def source_of(partner: str, row_id: str) -> str:
    """The indicator ``source`` of a partner's row: names both, so a reason leads back."""
    return f"partner:{partner}#{row_id}"


def day_start(now: dt.datetime) -> dt.datetime:
    """Midnight (UTC) of ``now``'s day: quotas count rows received since then."""
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


def received_since(session: Session, key_id: int, since: dt.datetime) -> int:
    """Rows logged for ``key_id`` since ``since``."""
    query = select(func.count()).where(
        PartnerAccountRow.key_id == key_id, PartnerAccountRow.received_at >= since
    )
    return int(session.scalar(query) or 0)


def naive_utc(value: dt.datetime) -> dt.datetime:
    """``value`` as a naive UTC time (how the stores keep times)."""
    if value.tzinfo is None:
        return value
    return value.astimezone(dt.UTC).replace(tzinfo=None)


def _reason(row: AccountRowIn, account: str, now: dt.datetime) -> str | None:
    if row.kind.strip().lower() != "account":
        return f"unknown kind {row.kind!r}: only 'account'"
    if not _ACCOUNT.fullmatch(account):
        return "not an account number: 8–32 digits expected"
    if row.confidence is not None and not 0 < row.confidence <= 1:
        return "confidence must be in (0, 1]"
    if row.since is not None and naive_utc(row.since) > now:
        return "since lies in the future"
    if row.fraud_type is not None:
        try:
            fraud_types.parse(row.fraud_type)
        except ValueError:
            return f"unknown fraud type {row.fraud_type!r}"
    return None


def _fraud_type(row: AccountRowIn) -> str:
    return fraud_types.parse(row.fraud_type) if row.fraud_type else "other"


def _known(session: Session, key_id: int, rows: list[AccountRowIn]) -> dict[str, PartnerAccountRow]:
    ids = [r.row_id for r in rows if r.row_id]
    query = select(PartnerAccountRow).where(
        PartnerAccountRow.key_id == key_id, PartnerAccountRow.row_id.in_(ids)
    )
    return {r.row_id: r for r in session.scalars(query)}


def _listed(session: Session, key_id: int, accounts: list[str]) -> dict[str, str]:
    query = select(PartnerAccountRow.account, PartnerAccountRow.row_id).where(
        PartnerAccountRow.key_id == key_id,
        PartnerAccountRow.status == ACCEPTED,
        PartnerAccountRow.account.in_(accounts),
    )
    return {str(account): str(row_id) for account, row_id in session.execute(query)}


def submit(
    *, session: Session, who: Principal, rows: list[AccountRowIn], limits: Limits, now: dt.datetime
) -> tuple[BatchResult, list[AccountIndicator]]:
    """Check and log ``rows``; return the answer and the indicators to append to the store.

    Raises :class:`QuotaExceededError` (nothing logged) when the new rows would take the key
    past its daily quota."""
    known = _known(session, who.id, rows)
    fresh = [r for r in rows if r.row_id and r.row_id not in known]
    used = received_since(session, who.id, day_start(now))
    if used + len({r.row_id for r in fresh}) > limits.daily_rows:
        raise QuotaExceededError(
            "daily quota of rows exceeded", used=used, quota=limits.daily_rows, sent=len(fresh)
        )
    listed = _listed(session, who.id, [re.sub(r"\s+", "", r.account or "") for r in fresh])
    results: list[RowResult] = []
    indicators: list[AccountIndicator] = []
    for row in rows:
        result, entry = _one(session, who, row, known, listed, limits, now)
        results.append(result)
        if entry is not None:
            indicators.append(entry)
    session.flush()
    counts = {s: sum(1 for r in results if r.status == s) for s in (ACCEPTED, REJECTED, DUPLICATE)}
    logger.info("partner key %s pushed %d rows: %s", who.id, len(rows), counts)
    answer = BatchResult(
        received=len(rows),
        accepted=counts[ACCEPTED],
        rejected=counts[REJECTED],
        duplicates=counts[DUPLICATE],
        rows=results,
    )
    return answer, indicators


def _one(
    session: Session,
    who: Principal,
    row: AccountRowIn,
    known: dict[str, PartnerAccountRow],
    listed: dict[str, str],
    limits: Limits,
    now: dt.datetime,
) -> tuple[RowResult, AccountIndicator | None]:
    if not row.row_id or len(row.row_id) > 64:
        return RowResult(row_id=row.row_id, status=REJECTED, reason="row_id: 1–64 characters"), None
    if row.row_id in known:
        first = known[row.row_id]
        status = DUPLICATE
        return RowResult(
            row_id=row.row_id, status=status, reason=first.reason, first_status=first.status
        ), None
    account = re.sub(r"\s+", "", row.account or "")
    reason = _reason(row, account, now)
    if reason is None and account in listed:
        reason = f"account already listed by row {listed[account]!r}"
    logged = PartnerAccountRow(
        key_id=who.id,
        partner=who.name,
        row_id=row.row_id,
        account=account[:64],
        fraud_type=None if reason else _fraud_type(row),
        confidence=row.confidence,
        status=REJECTED if reason else ACCEPTED,
        reason=reason,
        received_at=now,
    )
    session.add(logged)
    known[row.row_id] = logged
    if reason is not None:
        return RowResult(row_id=row.row_id, status=REJECTED, reason=reason), None
    listed[account] = row.row_id
    logged.source = source_of(who.name, row.row_id)
    logged.valid_to = now + dt.timedelta(days=limits.valid_days)
    entry = AccountIndicator(
        account=account,
        fraud_type=logged.fraud_type,
        source=logged.source,
        confidence=row.confidence if row.confidence is not None else 1.0,
        valid_from=naive_utc(row.since) if row.since else None,
        valid_to=logged.valid_to,
    )
    return RowResult(row_id=row.row_id, status=ACCEPTED), entry
