"""The audit chain: appends link, verification finds the first tampered record."""

from __future__ import annotations

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
