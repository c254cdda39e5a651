"""The audit chain: appends link, verification finds the first tampered record."""

from __future__ import annotations

import threading

from sqlalchemy import delete, update

from fanzha.workflow.audit import service as audit
from fanzha.workflow.audit.models import GENESIS, AuditRecord
from tests.unit.workflow.support import NOW, Desk


def _fill(desk: Desk, n: int) -> list[int]:
    with desk.factory.begin() as s:
        return [
            audit.append(
                session=s,
                actor="user:1:a",
                action="view",
                object_type="warning",
                object_id=i,
                at=NOW,
                detail={"n": i, "中文": "是"},
            ).id
            for i in range(n)
        ]


def test_audit_chain_links_and_verifies(desk: Desk) -> None:
    ids = _fill(desk, 5)
    with desk.factory() as s:
        first = s.get(AuditRecord, ids[0])
        assert first is not None and first.prev_hash == GENESIS
        result = audit.verify(session=s)
    assert result.ok and result.checked == 5


def test_audit_verify_reports_first_changed_record(desk: Desk) -> None:
    ids = _fill(desk, 5)
    with desk.factory.begin() as s:
        s.execute(update(AuditRecord).where(AuditRecord.id == ids[2]).values(actor="user:9:x"))
        s.execute(update(AuditRecord).where(AuditRecord.id == ids[4]).values(action="edit"))
    with desk.factory() as s:
        result = audit.verify(session=s)
    assert (result.ok, result.first_bad_id, result.checked) == (False, ids[2], 2)
    assert "changed" in result.reason


def test_audit_verify_reports_removed_record(desk: Desk) -> None:
    ids = _fill(desk, 4)
    with desk.factory.begin() as s:
        s.execute(delete(AuditRecord).where(AuditRecord.id == ids[1]))
    with desk.factory() as s:
        result = audit.verify(session=s)
    assert result.first_bad_id == ids[2] and "removed" in result.reason


def test_group_commit_chains_every_record_once(desk: Desk) -> None:
    """Views audited by group commit from many threads: one record each, one valid chain,
    fewer transactions than records once threads overlap."""
    group = audit.GroupCommit()
    errors: list[BaseException] = []

    def view(i: int) -> None:
        try:
            with desk.factory() as s:
                entry = audit.Entry(f"user:{i}:u", "view", "warning", str(i), NOW)
                group.append(session=s, entry=entry)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=view, args=(i,)) for i in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with desk.factory() as s:
        result = audit.verify(session=s)
        ids = sorted(int(r.object_id) for r in audit.recent(session=s, limit=100))
    assert result.ok and result.checked == 40
    assert ids == list(range(40))
    assert 1 <= group.batches <= 40


def test_group_commit_reports_a_failed_write_to_its_callers(desk: Desk) -> None:
    group = audit.GroupCommit()
    with desk.factory() as s:
        bad = audit.Entry("user:1:a", "view", "warning", "x" * 500, NOW)  # too long for PG
        try:
            group.append(session=s, entry=bad)
        except Exception:
            failed = True
        else:
            failed = s.get_bind().dialect.name == "sqlite"  # SQLite does not check lengths
    assert failed
    with desk.factory() as s:
        group.append(session=s, entry=audit.Entry("user:1:a", "view", "warning", "1", NOW))
        assert audit.verify(session=s).ok
