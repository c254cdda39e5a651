"""The protective stop-payment lifecycle: created with the action, lifted, appealed, decided."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select

from fanzha.errors import ConflictError, NotFoundError, PermissionDeniedError, WorkflowError
from fanzha.workflow.action.models import ActionCreate, ActionKind
from fanzha.workflow.audit import service as audit
from fanzha.workflow.audit.models import AuditRecord
from fanzha.workflow.restriction import flows, service
from fanzha.workflow.restriction.models import APPEAL_UPHELD_REASON, Decision, Restriction
from fanzha.workflow.roles import Principal, Role
from fanzha.workflow.warning import flows as warning_flows
from fanzha.workflow.warning import sweep
from fanzha.workflow.warning.routing import DeskConfig
from tests.unit.workflow.support import NOW, Desk

LATER = NOW + dt.timedelta(hours=5)


class People:
    def __init__(self, desk: Desk) -> None:
        desk.station("S1", ("C1",))
        desk.station("S2", ("C2",))
        self.boss = desk.user("boss", Role.CENTRE_SUPERVISOR)
        self.operator = desk.user("op", Role.CENTRE_OPERATOR)
        self.officer = desk.user("a", Role.STATION_OFFICER, "S1")
        self.other = desk.user("b", Role.STATION_OFFICER, "S2")
        self.leader = desk.user("lead", Role.LEADER)


@pytest.fixture
def people(desk: Desk) -> People:
    return People(desk)


def _stop_payment(desk: Desk, config: DeskConfig, who: Principal, **kw: Any) -> tuple[int, int]:
    """A routed warning in C1 with a stop-payment recorded by ``who``: (warning, restriction)."""
    wid = desk.warning(community="C1", **kw)
    with desk.factory.begin() as s:
        sweep.tick(session=s, config=config, now=NOW)
        data = ActionCreate(
            kind=ActionKind.STOP_PAYMENT,
            reason="large transfer to a flagged account starting",
            notice="told by phone at 10:05, SMS sent",
            appeal_channel="96110 or the station's front desk",
        )
        warning_flows.act(
            session=s, principal=who, warning_id=wid, data=data, config=config, now=NOW
        )
    with desk.factory() as s:
        (restriction,) = service.of_warning(session=s, warning_id=wid)
        return wid, restriction.id


def _restriction(desk: Desk, rid: int) -> Restriction:
    with desk.factory() as s:
        found = s.get(Restriction, rid)
        assert found is not None
        return found


def _audit_actions(desk: Desk, rid: int) -> list[str]:
    with desk.factory() as s:
        query = select(AuditRecord.action).where(
            AuditRecord.object_type == "restriction", AuditRecord.object_id == str(rid)
        )
        return list(s.scalars(query.order_by(AuditRecord.id)))


def test_stop_payment_action_creates_active_restriction(
    desk: Desk, config: DeskConfig, people: People
) -> None:
    wid, rid = _stop_payment(desk, config, people.boss)
    r = _restriction(desk, rid)
    assert (r.warning_id, r.status, r.kind, r.requested_at) == (wid, "active", "stop_payment", NOW)
    assert r.resident_id == desk.get(wid).resident_id and r.action_id is not None
    assert r.appeal_channel.startswith("96110") and r.requested_by.endswith(":boss")
    assert _audit_actions(desk, rid) == ["restriction.create"]


def test_failed_stop_payment_creates_no_restriction(
    desk: Desk, config: DeskConfig, people: People
) -> None:
    wid = desk.warning(community="C1")
    with desk.factory.begin() as s, pytest.raises(WorkflowError, match="appeal_channel"):
        sweep.tick(session=s, config=config, now=NOW)
        data = ActionCreate(kind=ActionKind.STOP_PAYMENT, reason="r", notice="n")
        warning_flows.act(
            session=s, principal=people.boss, warning_id=wid, data=data, config=config, now=NOW
        )
    with desk.factory() as s:
        assert service.of_warning(session=s, warning_id=wid) == []


def test_lift_needs_reason_and_permission_and_is_audited(
    desk: Desk, config: DeskConfig, people: People
) -> None:
    _, rid = _stop_payment(desk, config, people.boss)
    with desk.factory.begin() as s, pytest.raises(PermissionDeniedError):
        flows.lift(session=s, principal=people.officer, restriction_id=rid, reason="x", now=LATER)
    with desk.factory.begin() as s, pytest.raises(WorkflowError, match="why"):
        flows.lift(session=s, principal=people.boss, restriction_id=rid, reason="  ", now=LATER)
    with desk.factory.begin() as s:
        flows.lift(
            session=s, principal=people.boss, restriction_id=rid, reason="bank confirmed", now=LATER
        )
    r = _restriction(desk, rid)
    assert (r.status, r.lifted_at, r.lift_reason) == ("lifted", LATER, "bank confirmed")
    assert r.lifted_by is not None and r.lifted_by.endswith(":boss")
    assert _audit_actions(desk, rid) == ["restriction.create", "restriction.lift"]
    with desk.factory.begin() as s, pytest.raises(ConflictError, match="already lifted"):
        flows.lift(session=s, principal=people.boss, restriction_id=rid, reason="again", now=LATER)


def test_appeal_upheld_lifts_at_once(desk: Desk, config: DeskConfig, people: People) -> None:
    _, rid = _stop_payment(desk, config, people.boss)
    with desk.factory.begin() as s:
        appeal = flows.record_appeal(
            session=s, principal=people.officer, restriction_id=rid, text="my salary card", now=NOW
        )
        aid = appeal.id
    with desk.factory.begin() as s, pytest.raises(PermissionDeniedError):
        flows.decide_appeal(
            session=s,
            principal=people.officer,
            restriction_id=rid,
            appeal_id=aid,
            decision=Decision.UPHELD,
            note="",
            now=LATER,
        )
    with desk.factory.begin() as s:
        flows.decide_appeal(
            session=s,
            principal=people.boss,
            restriction_id=rid,
            appeal_id=aid,
            decision=Decision.UPHELD,
            note="salary card, no fraud contact since",
            now=LATER,
        )
    r = _restriction(desk, rid)
    assert (r.status, r.lifted_at, r.lift_reason) == ("lifted", LATER, APPEAL_UPHELD_REASON)
    with desk.factory() as s:
        (stored,) = service.appeals_of(session=s, restriction_ids=[rid])[rid]
    assert (stored.decision, stored.decided_at, stored.text) == ("upheld", LATER, "my salary card")
    assert _audit_actions(desk, rid) == [
        "restriction.create",
        "restriction.appeal",
        "restriction.decide",
        "restriction.lift",
    ]
    with desk.factory.begin() as s:
        assert audit.verify(session=s).ok


def test_appeal_rejected_keeps_restriction_and_allows_a_new_appeal(
    desk: Desk, config: DeskConfig, people: People
) -> None:
    _, rid = _stop_payment(desk, config, people.boss)
    with desk.factory.begin() as s:
        aid = flows.record_appeal(
            session=s, principal=people.operator, restriction_id=rid, text="need cash", now=NOW
        ).id
    with desk.factory.begin() as s, pytest.raises(ConflictError, match="waiting"):
        flows.record_appeal(
            session=s, principal=people.operator, restriction_id=rid, text="again", now=NOW
        )
    decide = {"restriction_id": rid, "appeal_id": aid, "decision": Decision.REJECTED, "now": LATER}
    with desk.factory.begin() as s, pytest.raises(WorkflowError, match="why"):
        flows.decide_appeal(session=s, principal=people.boss, note="", **decide)
    with desk.factory.begin() as s:
        flows.decide_appeal(session=s, principal=people.boss, note="still in contact", **decide)
    assert _restriction(desk, rid).status == "active"
    with desk.factory.begin() as s, pytest.raises(ConflictError, match="already been decided"):
        flows.decide_appeal(session=s, principal=people.boss, note="twice", **decide)
    with desk.factory.begin() as s:
        flows.record_appeal(
            session=s, principal=people.boss, restriction_id=rid, text="second try", now=LATER
        )
    with desk.factory() as s:
        assert len(service.appeals_of(session=s, restriction_ids=[rid])[rid]) == 2


def test_appeal_needs_text_act_permission_and_active_restriction(
    desk: Desk, config: DeskConfig, people: People
) -> None:
    _, rid = _stop_payment(desk, config, people.boss)
    with desk.factory.begin() as s, pytest.raises(PermissionDeniedError):
        flows.record_appeal(
            session=s, principal=people.leader, restriction_id=rid, text="x", now=NOW
        )
    with desk.factory.begin() as s, pytest.raises(WorkflowError, match="appeals"):
        flows.record_appeal(session=s, principal=people.boss, restriction_id=rid, text=" ", now=NOW)
    with desk.factory.begin() as s:
        flows.lift(session=s, principal=people.boss, restriction_id=rid, reason="done", now=NOW)
    with desk.factory.begin() as s, pytest.raises(WorkflowError, match="already lifted"):
        flows.record_appeal(session=s, principal=people.boss, restriction_id=rid, text="x", now=NOW)


def test_restriction_of_other_station_is_not_found(
    desk: Desk, config: DeskConfig, people: People
) -> None:
    _, rid = _stop_payment(desk, config, people.boss)
    with desk.factory.begin() as s, pytest.raises(NotFoundError):
        flows.record_appeal(
            session=s, principal=people.other, restriction_id=rid, text="x", now=NOW
        )
    with desk.factory() as s:
        assert service.active(session=s, principal=people.other) == []
        assert [r.id for r in service.active(session=s, principal=people.officer)] == [rid]


def test_active_list_is_oldest_first_and_drops_lifted(
    desk: Desk, config: DeskConfig, people: People
) -> None:
    ids = []
    for hours in (3, 1, 2):
        wid = desk.warning(community="C1")
        with desk.factory.begin() as s:
            sweep.tick(session=s, config=config, now=NOW)
            data = ActionCreate(
                kind=ActionKind.STOP_PAYMENT, reason="r", notice="n", appeal_channel="96110"
            )
            at = NOW - dt.timedelta(hours=hours)
            warning_flows.act(
                session=s, principal=people.boss, warning_id=wid, data=data, config=config, now=at
            )
        with desk.factory() as s:
            ids.append(service.of_warning(session=s, warning_id=wid)[0].id)
    with desk.factory.begin() as s:
        flows.lift(session=s, principal=people.boss, restriction_id=ids[2], reason="ok", now=NOW)
    with desk.factory() as s:
        assert [r.id for r in service.active(session=s, principal=people.boss)] == [ids[0], ids[1]]


def test_audit_keeps_digests_of_free_texts_not_the_words(
    desk: Desk, config: DeskConfig, people: People
) -> None:
    _, rid = _stop_payment(desk, config, people.boss)
    with desk.factory.begin() as s:
        flows.lift(
            session=s, principal=people.boss, restriction_id=rid, reason="名下卡号6222", now=LATER
        )
    with desk.factory() as s:
        details = list(
            s.scalars(
                select(AuditRecord.detail)
                .where(AuditRecord.action.in_(["action.stop_payment", "restriction.lift"]))
                .order_by(AuditRecord.id)
            )
        )
    stop, lift = details
    assert stop["reason"] == audit.text_digest("large transfer to a flagged account starting")
    assert stop["appeal_channel"].startswith("sha256:") and "96110" not in str(stop)
    assert lift["reason"] == audit.text_digest("名下卡号6222")
    assert "名下" not in str(lift)
    with desk.factory() as s:
        assert audit.verify(session=s).ok
