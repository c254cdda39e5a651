"""Append to and verify the hash-chained audit log.

Appends are serialised so the chain never forks: PostgreSQL takes a transaction-scoped
advisory lock; SQLite serialises writers already.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
from collections.abc import Iterator, Sequence
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


def text_digest(value: str | None) -> str | None:
    """A free text as the audit log keeps it: its SHA-256, not the words.

    Officers' texts (a stop-payment's reason, notice and appeal channel, a lift reason, an
    appeal decision note) may name people or accounts. The row that holds the text is purged
    by retention; the audit log cannot be edited, so it holds only the digest, which still
    proves what the text was while the row exists.
    """
    if value is None:
        return None
    return "sha256:" + hashlib.sha256(value.encode()).hexdigest()


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
    entry = Entry(actor, action, object_type, str(object_id), at, detail)
    return append_many(session=session, entries=[entry])[0]


@dataclass(frozen=True)
class Entry:
    """The content of one audit record (its hashes are set when it is appended)."""

    actor: str
    action: str
    object_type: str
    object_id: str
    at: dt.datetime
    detail: dict[str, Any] | None = None


def append_many(*, session: Session, entries: Sequence[Entry]) -> list[AuditRecord]:
    """Append records in order (inside the caller's transaction), under one chain lock."""
    _lock_chain(session)
    prev_hash = (
        session.scalar(select(AuditRecord.hash).order_by(AuditRecord.id.desc()).limit(1)) or GENESIS
    )
    records = []
    for e in entries:
        payload = json.loads(json.dumps(e.detail or {}, default=str))
        content = canonical(
            at=e.at,
            actor=e.actor,
            action=e.action,
            object_type=e.object_type,
            object_id=e.object_id,
            detail=payload,
        )
        record = AuditRecord(
            at=e.at,
            actor=e.actor,
            action=e.action,
            object_type=e.object_type,
            object_id=e.object_id,
            detail=payload,
            prev_hash=prev_hash,
            hash=chain_hash(prev_hash, content),
        )
        prev_hash = record.hash
        session.add(record)
        records.append(record)
    session.flush()
    return records


class _Slot:
    __slots__ = ("done", "entry", "error")

    def __init__(self, entry: Entry) -> None:
        self.entry = entry
        self.done = False
        self.error: BaseException | None = None


class GroupCommit:
    """Appends records that need no other change (views of a warning) by group commit.

    Each caller returns only once its own record is committed, exactly as with
    :func:`append` followed by a commit, so "no view without its audit record" still holds.
    But while one thread holds the chain lock and commits, the records of the threads that
    arrive meanwhile wait in a queue, and the next of them writes all of them in one
    transaction: one lock, one read of the chain head and one commit for the lot, instead of
    one each (on SQLite every commit takes the database's write lock; on PostgreSQL the
    chain's advisory lock). The records of a batch are chained in arrival order.

    The writer uses its *own* session (the caller's request session) and commits it, so the
    caller must have nothing else pending in it; no extra database connection is needed.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._pending: list[_Slot] = []
        self._writing = False
        self.batches = 0  # transactions written (for tests and the bench)

    def append(self, *, session: Session, entry: Entry) -> None:
        """Append ``entry`` and return once it is committed (``session`` may be committed)."""
        slot = _Slot(entry)
        with self._cond:
            self._pending.append(slot)
            while self._writing and not slot.done:
                self._cond.wait()
            if slot.done:
                if slot.error is not None:
                    raise slot.error
                return
            self._writing = True
            batch, self._pending = self._pending, []
        error: BaseException | None = None
        try:
            append_many(session=session, entries=[s.entry for s in batch])
            session.commit()
        except BaseException as exc:
            session.rollback()
            error = exc
        with self._cond:
            for s in batch:
                s.done, s.error = True, error
            self._writing = False
            self.batches += 1
            self._cond.notify_all()
        if error is not None:
            raise error


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
