"""Append to and verify the hash-chained audit log.

Appends are serialised so the chain never forks: PostgreSQL takes a transaction-scoped
advisory lock; SQLite serialises writers already.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from fanzha.workflow.audit.models import GENESIS, AuditRecord

_LOCK_KEY = 7_246_001  # advisory-lock id of the audit chain


def canonical(
    *,
    at: dt.datetime,
    actor: str,
    action: str,
    object_type: str,
    object_id: str,
    detail: dict[str, Any],
) -> str:
    """The canonical text of a record's content (what its hash covers)."""
    body = {
        "at": at.isoformat(timespec="microseconds"),
        "actor": actor,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "detail": detail,
    }
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def chain_hash(prev_hash: str, content: str) -> str:
    """SHA-256 of the previous hash and this record's content."""
    return hashlib.sha256((prev_hash + "\n" + content).encode()).hexdigest()


def append(
    *,
    session: Session,
    actor: str,
    action: str,
    object_type: str,
    object_id: str | int,
    at: dt.datetime,
    detail: dict[str, Any] | None = None,
) -> AuditRecord:
    """Append one record to the chain (inside the caller's transaction)."""
    _lock_chain(session)
    prev = session.scalar(select(AuditRecord.hash).order_by(AuditRecord.id.desc()).limit(1))
    payload = json.loads(json.dumps(detail or {}, default=str))
    content = canonical(
        at=at,
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        detail=payload,
    )
    prev_hash = prev or GENESIS
    record = AuditRecord(
        at=at,
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        detail=payload,
        prev_hash=prev_hash,
        hash=chain_hash(prev_hash, content),
    )
    session.add(record)
    session.flush()
    return record


def _lock_chain(session: Session) -> None:
    """Hold the chain's write lock before reading its head, so two appends never fork it.

    PostgreSQL: a transaction-scoped advisory lock. SQLite: a write that matches no row takes
    the database's write lock (waiting up to ``busy_timeout``) before the head is read.
    """
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
    elif dialect == "sqlite":
        session.execute(text("UPDATE audit_log SET id = id WHERE id = -1"))


@dataclass(frozen=True)
class VerifyResult:
    """The outcome of a chain verification."""

    checked: int
    first_bad_id: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        """Whether the whole chain is intact."""
        return self.first_bad_id is None


def verify(*, session: Session, batch: int = 5000) -> VerifyResult:
    """Walk the chain in id order; report the first record that does not fit."""
    prev_hash = GENESIS
    checked = 0
    for record in _records(session, batch):
        reason = _check(record, prev_hash)
        if reason:
            return VerifyResult(checked=checked, first_bad_id=record.id, reason=reason)
        prev_hash = record.hash
        checked += 1
    return VerifyResult(checked=checked)


def _check(record: AuditRecord, prev_hash: str) -> str:
    if record.prev_hash != prev_hash:
        return "previous-hash link broken (a record was removed, inserted or reordered)"
    content = canonical(
        at=record.at,
        actor=record.actor,
        action=record.action,
        object_type=record.object_type,
        object_id=record.object_id,
        detail=record.detail,
    )
    if chain_hash(prev_hash, content) != record.hash:
        return "content does not match its hash (the record was changed)"
    return ""


def _records(session: Session, batch: int) -> Iterator[AuditRecord]:
    last_id = 0
    while True:
        query = select(AuditRecord).where(AuditRecord.id > last_id).order_by(AuditRecord.id)
        rows = list(session.scalars(query.limit(batch)))
        if not rows:
            return
        yield from rows
        last_id = rows[-1].id
        session.expunge_all()


def recent(
    *, session: Session, limit: int = 100, object_id: str | None = None
) -> list[AuditRecord]:
    """The latest records, newest first, optionally for one object."""
    query = select(AuditRecord).order_by(AuditRecord.id.desc()).limit(limit)
    if object_id is not None:
        query = query.where(AuditRecord.object_id == object_id)
    return list(session.scalars(query))
