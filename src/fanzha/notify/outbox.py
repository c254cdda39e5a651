"""The durable outbox: enqueue intents, claim due rows, record results and receipts.

Claim → send → record, each step its own transaction. A claimed row is ``sending`` with a
claim token and time; a dispatcher killed mid-batch leaves such rows behind, and after the
lease they are claimed again. For an idempotent channel the resend carries the same client
reference, so the provider answers with the original message id (exactly one message goes
out); for the others the row becomes ``unknown`` and is not resent (at most once). Every
state change hands :class:`AuditNote` s to the caller's hook inside the same transaction.

An intent may carry a ``not_before`` time: its row is not claimed before it (``waiting``
until then, not ``outstanding``: see :func:`waiting`). A waiting row the caller no longer
wants can be :func:`cancel` ed before it goes out.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, and_, bindparam, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from fanzha.errors import NotifyError, PermanentSendError
from fanzha.notify.channel import FINAL_STATUSES, SendResult
from fanzha.notify.models import OutboxRow, ProviderId, ReceiptRow

OUTBOX: Table = OutboxRow.__table__  # type: ignore[assignment]
PROVIDER_IDS: Table = ProviderId.__table__  # type: ignore[assignment]
RECEIPTS: Table = ReceiptRow.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class AuditNote:
    """An audit-compatible record (``workflow.audit.service.Entry`` fields, actor aside)."""

    action: str
    object_type: str
    object_id: str
    at: dt.datetime
    detail: dict[str, Any] = field(default_factory=dict)


AuditHook = Callable[[Session, Sequence[AuditNote]], None]


def no_audit(_session: Session, _notes: Sequence[AuditNote]) -> None:
    """The hook of tests and benches that do not audit."""


@dataclass(frozen=True)
class Intent:
    """One send the caller wants (recorded once, whatever number of times it is enqueued)."""

    subject_type: str  # warning | broadcast
    subject_id: str
    channel: str
    attempt_key: str
    recipient: str
    title: str
    body: str
    language: str = "zh"
    template: str = ""
    not_before: dt.datetime | None = None  # not claimed before this time


def utcnow() -> dt.datetime:
    """Naive UTC now (the outbox's clock)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def ref_for(subject_type: str, subject_id: str, channel: str, attempt_key: str) -> str:
    """The client reference of an intent: stable, so every resend carries the same one."""
    key = "\x1f".join((subject_type, subject_id, channel, attempt_key)).encode()
    return "fz" + hashlib.sha256(key).hexdigest()[:30]


def enqueue(session: Session, intents: Sequence[Intent], now: dt.datetime) -> int:
    """Insert the intents not already there; the number inserted."""
    rows = {r["ref"]: r for r in (_row(i, now) for i in intents)}
    refs = list(rows)
    for start in range(0, len(refs), 900):
        chunk = refs[start : start + 900]
        for ref in session.scalars(select(OUTBOX.c.ref).where(OUTBOX.c.ref.in_(chunk))):
            rows.pop(ref, None)
    if rows:
        session.execute(
            insert_ignoring(session, OUTBOX).on_conflict_do_nothing(), list(rows.values())
        )
    return len(rows)


def insert_ignoring(session: Session, table: Table) -> Any:
    dialect = session.get_bind().dialect.name
    return (pg_insert if dialect == "postgresql" else sqlite_insert)(table)


def _row(intent: Intent, now: dt.datetime) -> dict[str, Any]:
    due = now if intent.not_before is None else max(now, intent.not_before)
    return {
        "ref": ref_for(intent.subject_type, intent.subject_id, intent.channel, intent.attempt_key),
        "subject_type": intent.subject_type,
        "subject_id": intent.subject_id,
        "channel": intent.channel,
        "attempt_key": intent.attempt_key,
        "recipient": intent.recipient,
        "language": intent.language,
        "template": intent.template,
        "title": intent.title,
        "body": intent.body,
        "status": "pending",
        "attempts": 0,
        "parts": 0,
        "next_attempt_at": due,
        "not_before": intent.not_before,
        "created_at": now,
    }


@dataclass(frozen=True)
class Claimed:
    """A claimed outbox row (plain values: no ORM state to flush)."""

    id: int
    ref: str
    subject_type: str
    subject_id: str
    channel: str
    attempt_key: str
    template: str
    recipient: str
    title: str
    body: str
    attempts: int
    claim_token: str


CLAIM_COLUMNS = (
    "id",
    "ref",
    "subject_type",
    "subject_id",
    "channel",
    "attempt_key",
    "template",
    "recipient",
    "title",
    "body",
    "attempts",
    "status",
)


def claim(
    session: Session,
    channel: str,
    limit: int,
    now: dt.datetime,
    lease: dt.timedelta,
    *,
    idempotent: bool,
    audit: AuditHook,
) -> list[Claimed]:
    """Claim up to ``limit`` due rows (and reclaim stale ``sending`` rows)."""
    if limit <= 0:
        return []
    c = OUTBOX.c
    stale = and_(c.status == "sending", c.claimed_at < now - lease)
    due = and_(
        c.status == "pending",
        c.next_attempt_at <= now,
        or_(c.not_before.is_(None), c.not_before <= now),
    )
    query = (
        select(*[c[name] for name in CLAIM_COLUMNS])
        .where(c.channel == channel, or_(due, stale))
        .order_by(c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    found = session.execute(query).mappings().all()
    token = uuid.uuid4().hex
    claimed: list[Claimed] = []
    lost: list[int] = []
    notes: list[AuditNote] = []
    for row in found:
        values = {k: v for k, v in row.items() if k != "status"}
        item = Claimed(**{**values, "attempts": row["attempts"] + 1, "claim_token": token})
        if row["status"] == "sending" and not idempotent:
            lost.append(item.id)
            notes.append(note("notify.unknown", item, now))
            continue
        if row["status"] == "sending":
            notes.append(note("notify.reclaimed", item, now))
        claimed.append(item)
    for chunk in chunks([r.id for r in claimed]):
        session.execute(
            update(OUTBOX)
            .where(c.id.in_(chunk))
            .values(status="sending", claim_token=token, claimed_at=now, attempts=c.attempts + 1)
        )
    for chunk in chunks(lost):
        session.execute(
            update(OUTBOX)
            .where(c.id.in_(chunk))
            .values(
                status="unknown", error="interrupted; not resent", final_at=now, claim_token=None
            )
        )
    audit(session, notes)
    return claimed


def not_yet(now: dt.datetime) -> Any:
    """Pending rows whose ``not_before`` is later than ``now`` (waiting for their time)."""
    c = OUTBOX.c
    return and_(c.status == "pending", c.not_before.is_not(None), c.not_before > now)


def waiting(
    session: Session, channels: Sequence[str], now: dt.datetime
) -> tuple[int, dt.datetime | None]:
    """How many rows of ``channels`` wait for a ``not_before`` later than ``now``, and the
    earliest such time."""
    c = OUTBOX.c
    query = select(func.count(), func.min(c.not_before)).where(
        c.channel.in_(list(channels)), not_yet(now)
    )
    count, first = session.execute(query).one()
    return int(count or 0), first


def cancel(
    session: Session, ids: Sequence[int], now: dt.datetime, reason: str, audit: AuditHook
) -> int:
    """Cancel pending rows not yet tried (``cancelled``, final; audited); the number."""
    c = OUTBOX.c
    notes: list[AuditNote] = []
    for chunk in chunks(list(ids)):
        found = session.execute(
            select(*[c[name] for name in CLAIM_COLUMNS])
            .where(c.id.in_(chunk), c.status == "pending", c.attempts == 0)
            .with_for_update()
        ).mappings()
        rows = [
            Claimed(**{k: v for k, v in r.items() if k != "status"}, claim_token="") for r in found
        ]
        if not rows:
            continue
        session.execute(
            update(OUTBOX)
            .where(c.id.in_([r.id for r in rows]))
            .values(status="cancelled", error=reason[:200], final_at=now)
        )
        notes.extend(note("notify.cancelled", r, now, reason=reason) for r in rows)
    audit(session, notes)
    return len(notes)


def chunks(values: Sequence[int], size: int = 900) -> list[Sequence[int]]:
    return [values[i : i + size] for i in range(0, len(values), size)]


def release(session: Session, rows: Sequence[Claimed], until: dt.datetime) -> None:
    """Give back claimed rows that a rate limit held back (the attempt does not count)."""
    c = OUTBOX.c
    for chunk in chunks([r.id for r in rows]):
        session.execute(
            update(OUTBOX)
            .where(c.id.in_(chunk), c.claim_token == rows[0].claim_token)
            .values(
                status="pending", next_attempt_at=until, attempts=c.attempts - 1, claim_token=None
            )
        )


@dataclass(frozen=True)
class RetryPolicy:
    """Outbox-level retries after the channel's own quick retries gave up."""

    max_attempts: int = 5
    base_seconds: float = 30.0
    max_seconds: float = 3600.0

    def delay(self, attempts: int) -> dt.timedelta:
        """Exponential backoff before attempt ``attempts + 1``."""
        return dt.timedelta(seconds=min(self.base_seconds * 2 ** (attempts - 1), self.max_seconds))


def record(
    session: Session,
    rows: Sequence[Claimed],
    results: Sequence[SendResult | NotifyError],
    now: dt.datetime,
    policy: RetryPolicy,
    audit: AuditHook,
) -> dict[str, int]:
    """Store what each send returned (only for rows this claim still owns)."""
    c = OUTBOX.c
    counts = {"sent": 0, "retry": 0, "failed": 0}
    if not rows:
        return counts
    owned: set[int] = set()
    for chunk in chunks([r.id for r in rows]):
        owned.update(
            session.scalars(
                select(c.id)
                .where(c.id.in_(chunk), c.claim_token == rows[0].claim_token)
                .with_for_update()
            )
        )
    notes: list[AuditNote] = []
    updates: list[dict[str, Any]] = []
    ids: list[dict[str, Any]] = []
    for row, result in zip(rows, results, strict=True):
        if row.id not in owned:
            continue  # reclaimed by another dispatcher after the lease: its result counts
        values = _outcome(row, result, now, policy)
        updates.append({"b_id": row.id, **values})
        kind = (
            "sent"
            if isinstance(result, SendResult)
            else ("retry" if values["status"] == "pending" else "failed")
        )
        counts[kind] += 1
        if isinstance(result, SendResult):
            ids.extend(
                {"channel": row.channel, "provider_id": p, "outbox_id": row.id}
                for p in result.provider_ids
            )
        notes.append(note(f"notify.{kind}", row, now, **_detail(values, result)))
    if updates:
        session.execute(update(OUTBOX).where(c.id == bindparam("b_id")), updates)
    if ids:
        session.execute(insert_ignoring(session, PROVIDER_IDS).on_conflict_do_nothing(), ids)
    audit(session, notes)
    return counts


def _outcome(
    row: Claimed, result: SendResult | NotifyError, now: dt.datetime, policy: RetryPolicy
) -> dict[str, Any]:
    values: dict[str, Any] = {
        "claim_token": None,
        "provider_id": None,
        "parts": 0,
        "sent_at": None,
        "final_at": None,
        "next_attempt_at": now,
    }
    if isinstance(result, SendResult):
        status = result.final_status or "sent"
        return {
            **values,
            "status": status,
            "error": None,
            "sent_at": now,
            "provider_id": result.provider_ids[0] if result.provider_ids else None,
            "parts": len(result.provider_ids),
            "final_at": now if status in FINAL_STATUSES else None,
        }
    error = result.message[:200]
    if isinstance(result, PermanentSendError) or row.attempts >= policy.max_attempts:
        return {**values, "status": "failed", "error": error, "final_at": now}
    return {
        **values,
        "status": "pending",
        "error": error,
        "next_attempt_at": now + policy.delay(row.attempts),
    }


def _detail(values: dict[str, Any], result: SendResult | NotifyError) -> dict[str, Any]:
    if isinstance(result, SendResult):
        return {
            "provider_id": values["provider_id"],
            "parts": values["parts"],
            "duplicate": result.duplicate,
        }
    return {"error": values["error"], "permanent": isinstance(result, PermanentSendError)}


def note(action: str, row: Claimed, now: dt.datetime, **detail: Any) -> AuditNote:
    base = {
        "channel": row.channel,
        "ref": row.ref,
        "attempt": row.attempts,
        "attempt_key": row.attempt_key,
        "template": row.template,
    }
    return AuditNote(action, row.subject_type, row.subject_id, now, {**base, **detail})
