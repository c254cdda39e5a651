"""Handling flows: sign-for, actions, outcomes with optimistic locking, transfer, reveal."""

from __future__ import annotations

import threading

import pytest

from fanzha.errors import ConflictError, NotFoundError, PermissionDeniedError, WorkflowError
from fanzha.workflow.action.models import ActionCreate, ActionKind
from fanzha.workflow.audit import service as audit
from fanzha.workflow.outcome import flows as outcomes
from fanzha.workflow.outcome.models import Category, OutcomeCreate
from fanzha.workflow.roles import Principal, Role
from fanzha.workflow.warning import flows, service, sweep
from fanzha.workflow.warning.routing import DeskConfig
from tests.unit.workflow.support import NOW, Desk


def _routed(desk: Desk, config: DeskConfig, **kw: object) -> int:
    wid = desk.warning(**kw)
    with desk.factory.begin() as s:
        sweep.tick(session=s, config=config, now=NOW)
    return wid


def _dissuaded(version: int) -> OutcomeCreate:
    return OutcomeCreate(
        category=Category.DISSUADED,
        version=version,
        amount_saved=5000,
        confirmed_level=3,
        confirmed_type="冒充公检法",
        note="talked to her",
    )


@pytest.fixture
def s1(desk: Desk) -> tuple[Principal, Principal]:
    desk.station("S1", ("C1",))
    desk.station("S2", ("C2",))
    return desk.user("a", Role.STATION_OFFICER, "S1"), desk.user("b", Role.STATION_OFFICER, "S2")


def test_officer_of_other_station_gets_not_found(desk: Desk, config: DeskConfig, s1) -> None:
    wid = _routed(desk, config, community="C1")
    with desk.factory() as s, pytest.raises(NotFoundError):
        service.get(session=s, principal=s1[1], warning_id=wid)
    with desk.factory() as s:
        assert service.get(session=s, principal=s1[0], warning_id=wid).id == wid


def test_grid_worker_sees_only_medium_and_low(desk: Desk, config: DeskConfig, s1) -> None:
    grid = desk.user("g", Role.GRID_WORKER, "S1")
    high = _routed(desk, config, community="C1", level=3)
    low = _routed(desk, config, community="C1", level=1)
    with desk.factory() as s:
        ids = {
            w.id
            for w in service.queue(
                session=s, principal=grid, filters=service.QueueFilter(), now=NOW
            )
        }
    assert ids == {low} and high not in ids


def test_sign_twice_is_a_conflict(desk: Desk, config: DeskConfig, s1) -> None:
    wid = _routed(desk, config, community="C1")
    with desk.factory.begin() as s:
        flows.sign(session=s, principal=s1[0], warning_id=wid, config=config, now=NOW)
    with desk.factory.begin() as s, pytest.raises(ConflictError):
        flows.sign(session=s, principal=s1[0], warning_id=wid, config=config, now=NOW)


def test_stop_payment_needs_permission_and_notice(desk: Desk, config: DeskConfig, s1) -> None:
    boss = desk.user("boss", Role.CENTRE_SUPERVISOR)
    wid = _routed(desk, config, community="C1")
    with desk.factory.begin() as s, pytest.raises(PermissionDeniedError):
        flows.act(
            session=s,
            principal=s1[0],
            warning_id=wid,
            config=config,
            now=NOW,
            data=ActionCreate(
                kind=ActionKind.STOP_PAYMENT, reason="x", notice="y", appeal_channel="z"
            ),
        )
    with desk.factory.begin() as s, pytest.raises(WorkflowError, match="notice"):
        flows.act(
            session=s,
            principal=boss,
            warning_id=wid,
            config=config,
            now=NOW,
            data=ActionCreate(kind=ActionKind.STOP_PAYMENT, reason="large transfer"),
        )


def test_outcome_closes_and_records_amounts(desk: Desk, config: DeskConfig, s1) -> None:
    wid = _routed(desk, config, community="C1")
    version = desk.get(wid).version_id
    with desk.factory.begin() as s:
        out = outcomes.record(
            session=s,
            principal=s1[0],
            warning_id=wid,
            data=_dissuaded(version),
            config=config,
            now=NOW,
        )
    w = desk.get(wid)
    assert (w.is_open, w.status, w.outcome, w.due_at) == (False, "closed", "dissuaded", None)
    assert out.amount_saved_fen == 500000 and out.confirmed_type == "impersonate_police"


def test_outcome_validation_requires_loss_for_defrauded(desk: Desk, config: DeskConfig, s1) -> None:
    wid = _routed(desk, config, community="C1")
    data = OutcomeCreate(
        category=Category.DEFRAUDED,
        version=desk.get(wid).version_id,
        confirmed_level=3,
        confirmed_type="romance",
    )
    with desk.factory.begin() as s, pytest.raises(WorkflowError, match="amount lost"):
        outcomes.record(
            session=s, principal=s1[0], warning_id=wid, data=data, config=config, now=NOW
        )


def test_outcome_with_stale_version_conflicts(desk: Desk, config: DeskConfig, s1) -> None:
    wid = _routed(desk, config, community="C1")
    seen = desk.get(wid).version_id
    with desk.factory.begin() as s:
        flows.sign(session=s, principal=s1[0], warning_id=wid, config=config, now=NOW)
    with desk.factory.begin() as s, pytest.raises(ConflictError, match="changed"):
        outcomes.record(
            session=s,
            principal=s1[0],
            warning_id=wid,
            data=_dissuaded(seen),
            config=config,
            now=NOW,
        )
    assert desk.get(wid).is_open


def test_concurrent_outcomes_one_wins(desk: Desk, config: DeskConfig, s1) -> None:
    other = desk.user("a2", Role.STATION_OFFICER, "S1")
    wid = _routed(desk, config, community="C1")
    version = desk.get(wid).version_id
    barrier = threading.Barrier(2, timeout=10)
    results: list[str] = []

    def submit(who: Principal) -> None:
        try:
            with desk.factory.begin() as s:
                service.get(session=s, principal=who, warning_id=wid)  # read first
                barrier.wait()
                outcomes.record(
                    session=s,
                    principal=who,
                    warning_id=wid,
                    data=_dissuaded(version),
                    config=config,
                    now=NOW,
                )
            results.append("ok")
        except ConflictError:
            results.append("conflict")
        except Exception as exc:  # SQLite: the second writer may see "database is locked"
            results.append(type(exc).__name__)

    threads = [threading.Thread(target=submit, args=(p,)) for p in (s1[0], other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["conflict", "ok"]
    with desk.factory() as s:
        assert len(service.outcomes_of(session=s, warning_id=wid)) == 1


def test_transfer_to_other_station_moves_and_reroutes(desk: Desk, config: DeskConfig, s1) -> None:
    op = desk.user("op", Role.CENTRE_OPERATOR)
    wid = _routed(desk, config, community="C1")
    with desk.factory.begin() as s:
        flows.transfer(
            session=s,
            principal=op,
            warning_id=wid,
            to_station="S2",
            note="lives in S2 now",
            config=config,
            now=NOW,
        )
    w = desk.get(wid)
    assert (w.station, w.assignee_id, w.status) == ("S2", s1[1].id, "routed")


def test_reveal_needs_purpose_and_is_audited(desk: Desk, config: DeskConfig, s1) -> None:
    wid = _routed(desk, config, community="C1", phone=8613812345678)
    with desk.factory.begin() as s, pytest.raises(WorkflowError, match="purpose"):
        flows.reveal(session=s, principal=s1[0], warning_id=wid, purpose="", now=NOW)
    with desk.factory.begin() as s:
        shown = flows.reveal(
            session=s, principal=s1[0], warning_id=wid, purpose="回拨电话", now=NOW
        )
    assert shown == "13812345678"
    with desk.factory() as s:
        last = audit.recent(session=s, limit=1)[0]
    assert (last.action, last.detail["purpose"], last.actor) == ("reveal", "回拨电话", s1[0].label)


def test_next_steps_follow_ladder_and_permissions(desk: Desk, config: DeskConfig, s1) -> None:
    wid = _routed(desk, config, community="C1")
    with desk.factory.begin() as s:
        flows.act(
            session=s,
            principal=s1[0],
            warning_id=wid,
            config=config,
            now=NOW,
            data=ActionCreate(kind=ActionKind.RELATIVE, note="called daughter"),
        )
        w = service.get(session=s, principal=s1[0], warning_id=wid)
        steps = flows.next_steps(session=s, principal=s1[0], warning=w)
    assert steps == [ActionKind.CALL, ActionKind.VISIT, ActionKind.OPERATOR_ASSIST]


def _follow_up(version: int, note: str) -> OutcomeCreate:
    return OutcomeCreate(category=Category.FOLLOW_UP, version=version, note=note)


def test_an_outcome_that_changes_no_column_still_conflicts_with_a_concurrent_edit(
    desk: Desk, config: DeskConfig, s1
) -> None:
    """A second 需再次反馈 leaves the warning's columns as they were; it must still move the
    version on, or two officers' entries based on the same version both commit (lost update,
    found by tests/fault/test_desk_concurrency.py at 50 users)."""
    from sqlalchemy import update

    from fanzha.workflow.warning.models import EarlyWarning

    wid = _routed(desk, config, community="C1")
    args = {"principal": s1[0], "warning_id": wid, "config": config, "now": NOW}
    with desk.factory.begin() as s:
        outcomes.record(session=s, data=_follow_up(desk.get(wid).version_id, "first"), **args)
    seen = desk.get(wid).version_id
    with desk.factory.begin() as s:
        outcomes.record(session=s, data=_follow_up(seen, "second"), **args)
    assert desk.get(wid).version_id == seen + 1
    seen += 1
    with desk.factory.begin() as s, pytest.raises(ConflictError):
        service.get(session=s, principal=s1[0], warning_id=wid)  # read at version `seen`
        s.execute(  # another officer's commit lands in between
            update(EarlyWarning)
            .where(EarlyWarning.id == wid)
            .values(version_id=seen + 1)
            .execution_options(synchronize_session=False)
        )
        outcomes.record(session=s, data=_follow_up(seen, "third"), **args)
