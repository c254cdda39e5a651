"""Case flows on SQLite and PostgreSQL: upsert, clocks, validation, scoping, audit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from fanzha.errors import NotFoundError, PermissionDeniedError, WorkflowError
from fanzha.workflow.audit.models import AuditRecord
from fanzha.workflow.audit.service import verify
from fanzha.workflow.case import flows, service
from fanzha.workflow.case.models import Case, CaseAccount
from fanzha.workflow.case.schemas import AccountCreate, CaseClocks, CaseCreate, fen_of
from fanzha.workflow.roles import Role
from tests.unit.workflow.support import NOW, Desk

CLOCKS = CaseClocks(stop_minutes=30, receive_only_hours=48)
T0 = NOW - dt.timedelta(hours=2)


def _data(**kw: object) -> CaseCreate:
    values: dict[str, object] = {
        "case_no": "A-1",
        "reported_at": T0,
        "phone": "13800000007",
        "fraud_type": "冒充公检法",
        "accounts": [AccountCreate(account="6222 0000 1111 2222", paid="30,000.50")],
    }
    values.update(kw)
    return CaseCreate.model_validate(values)


def _count(s: Session, model: type[Case] | type[CaseAccount]) -> int:
    return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_fen_of_is_exact_and_refuses_sub_fen_and_negatives() -> None:
    assert fen_of("1,234.56元") == 123_456
    assert fen_of(Decimal("0.1") + Decimal("0.2")) == 30
    assert fen_of("¥ 7") == 700
    for bad in ("-1", "1.234", "abc", "NaN"):
        with pytest.raises(ValueError):
            fen_of(bad)


def test_case_save_twice_updates_without_duplicates(
    factory: sessionmaker[Session], desk: Desk
) -> None:
    op = desk.user("op", Role.CENTRE_OPERATOR)
    with factory.begin() as s:
        case, outcome = flows.save(session=s, principal=op, data=_data(), clocks=CLOCKS, now=NOW)
        assert outcome == "created" and case.loss_fen == 3_000_050  # loss defaults to the sum paid
        assert case.fraud_type == "impersonate_police" and case.victim_phone == 8613800000007
    more = [
        AccountCreate(
            account="6222000011112222", paid="30000.50", stop_at=T0 + dt.timedelta(minutes=12)
        ),
        AccountCreate(account="6217000033334444", paid="5000"),
    ]
    with factory.begin() as s:
        case, outcome = flows.save(
            session=s, principal=op, data=_data(loss="40000", accounts=more), clocks=CLOCKS, now=NOW
        )
        assert outcome == "updated" and case.loss_fen == 4_000_000
        version = case.version_id
    with factory.begin() as s:
        case, outcome = flows.save(
            session=s, principal=op, data=_data(loss="40000", accounts=more), clocks=CLOCKS, now=NOW
        )
        assert outcome == "unchanged" and case.version_id == version
    with factory() as s:
        assert _count(s, Case) == 1 and _count(s, CaseAccount) == 2
        first = s.scalar(select(CaseAccount).where(CaseAccount.account == "6222000011112222"))
        assert first is not None
        assert first.stop_expires_at == T0 + dt.timedelta(minutes=12, hours=48)
        actions = list(s.scalars(select(AuditRecord.action).order_by(AuditRecord.id)))
        assert actions[-2:] == ["case.create", "case.update"]
        assert verify(session=s).ok


def test_case_links_latest_warning_before_report_and_its_station(
    factory: sessionmaker[Session], desk: Desk
) -> None:
    desk.station("S1", ("C1",))
    old = desk.warning(phone=8613800000007, warned_at=T0 - dt.timedelta(days=3), station="S1")
    latest = desk.warning(
        phone=8613800000007, warned_at=T0 - dt.timedelta(hours=5), station="S1", community="C1"
    )
    desk.warning(phone=8613800000007, warned_at=T0 + dt.timedelta(hours=1))  # after the report
    op = desk.user("op", Role.CENTRE_OPERATOR)
    with factory.begin() as s:
        case, _ = flows.save(session=s, principal=op, data=_data(), clocks=CLOCKS, now=NOW)
        assert case.warning_id == latest != old
        assert case.station == "S1" and case.community == "C1"
        assert case.victim_resident_id is not None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"loss": "100"}, "more than the loss"),
        ({"occurred_at": T0 + dt.timedelta(hours=1)}, "happened after"),
        (
            {"accounts": [AccountCreate(account="62220000", paid="10", frozen="20", frozen_at=T0)]},
            "more frozen",
        ),
        (
            {
                "accounts": [
                    AccountCreate(
                        account="62220000",
                        paid="10",
                        frozen="5",
                        frozen_at=T0,
                        returned="6",
                        returned_at=T0,
                    )
                ]
            },
            "more returned",
        ),
        (
            {"accounts": [AccountCreate(account="62220000", stop_at=T0 - dt.timedelta(minutes=1))]},
            "precede the report",
        ),
        ({"solved_at": T0 - dt.timedelta(days=1)}, "solved before"),
    ],
)
def test_case_validation_refuses_what_an_officer_could_not_mean(
    factory: sessionmaker[Session], desk: Desk, change: dict[str, object], message: str
) -> None:
    op = desk.user("op", Role.CENTRE_OPERATOR)
    with factory.begin() as s, pytest.raises(WorkflowError, match=message):
        flows.save(session=s, principal=op, data=_data(**change), clocks=CLOCKS, now=NOW)


def test_stop_freeze_return_trail_and_clock(factory: sessionmaker[Session], desk: Desk) -> None:
    op = desk.user("op", Role.CENTRE_SUPERVISOR)
    with factory.begin() as s:
        case, _ = flows.save(session=s, principal=op, data=_data(), clocks=CLOCKS, now=NOW)
        cid, version = case.id, case.version_id
        aid = service.accounts_of(session=s, case_ids=[cid])[cid][0].id
    ids = {"principal": op, "case_id": cid, "account_id": aid, "now": NOW}
    with factory.begin() as s:
        flows.record_stop(
            session=s, at=T0 + dt.timedelta(minutes=31), stopped_fen=2_000_000, clocks=CLOCKS, **ids
        )
        flows.record_freeze(session=s, at=T0 + dt.timedelta(hours=20), frozen_fen=2_000_000, **ids)
        flows.record_return(session=s, at=T0 + dt.timedelta(days=9), returned_fen=1_500_000, **ids)
    with factory() as s:
        case = s.get(Case, cid)
        account = s.get(CaseAccount, aid)
        assert case is not None and account is not None
        read = service.account_read(case, account, CLOCKS)
        assert read.stop_minutes_after_report == 31 and read.stop_on_time is False
        assert read.stop_expires_at == T0 + dt.timedelta(minutes=31, hours=48)
        assert (read.frozen_fen, read.returned_fen) == (2_000_000, 1_500_000)
        assert case.version_id > version  # account steps bump the case's version
    with factory.begin() as s, pytest.raises(WorkflowError, match="before it was frozen"):
        flows.record_return(session=s, at=T0, returned_fen=1, **ids)


def test_station_officer_sees_own_station_only_and_cannot_edit(
    factory: sessionmaker[Session], desk: Desk
) -> None:
    desk.station("S1")
    desk.station("S2")
    op = desk.user("op", Role.CENTRE_OPERATOR)
    officer = desk.user("wang", Role.STATION_OFFICER, station="S1")
    with factory.begin() as s:
        mine, _ = flows.save(
            session=s, principal=op, data=_data(station="S1"), clocks=CLOCKS, now=NOW
        )
        theirs, _ = flows.save(
            session=s, principal=op, data=_data(case_no="B-2", station="S2"), clocks=CLOCKS, now=NOW
        )
        mine_id, theirs_id = mine.id, theirs.id
    with factory() as s:
        listed = service.list_cases(session=s, principal=officer, filters=service.CaseFilter())
        assert [c.id for c in listed] == [mine_id]
        with pytest.raises(NotFoundError):
            service.get(session=s, principal=officer, case_id=theirs_id)
        with pytest.raises(PermissionDeniedError):
            flows.save(
                session=s, principal=officer, data=_data(case_no="C-3"), clocks=CLOCKS, now=NOW
            )
        totals = service.totals(session=s, principal=officer, filters=service.CaseFilter())
        assert totals.cases == 1 and totals.loss_fen == 3_000_050


def test_leader_views_are_audited_admin_sees_nothing(
    factory: sessionmaker[Session], desk: Desk
) -> None:
    op = desk.user("op", Role.CENTRE_OPERATOR)
    leader = desk.user("boss", Role.LEADER)
    admin = desk.user("root", Role.ADMIN)
    with factory.begin() as s:
        case, _ = flows.save(session=s, principal=op, data=_data(), clocks=CLOCKS, now=NOW)
        cid = case.id
    with factory.begin() as s:
        flows.view(session=s, principal=leader, case_id=cid, now=NOW)
    with factory() as s:
        views = s.scalar(
            select(func.count()).where(
                AuditRecord.action == "view", AuditRecord.object_type == "case"
            )
        )
        assert views == 1
        with pytest.raises(PermissionDeniedError):
            service.list_cases(session=s, principal=admin, filters=service.CaseFilter())


def test_resend_without_type_or_phone_keeps_what_is_stored(
    factory: sessionmaker[Session], desk: Desk
) -> None:
    op = desk.user("op", Role.CENTRE_OPERATOR)
    with factory.begin() as s:
        flows.save(session=s, principal=op, data=_data(), clocks=CLOCKS, now=NOW)
    partial = CaseCreate(
        case_no="A-1", reported_at=T0, arrests=2, solved_at=T0 + dt.timedelta(days=2)
    )
    with factory.begin() as s:
        case, outcome = flows.save(session=s, principal=op, data=partial, clocks=CLOCKS, now=NOW)
        assert outcome == "updated"
        assert case.fraud_type == "impersonate_police" and case.victim_phone == 8613800000007
        assert case.solved and case.arrests == 2 and case.loss_fen == 3_000_050


def test_case_links_warning_by_resident_pseudonym_when_phones_differ(
    factory: sessionmaker[Session], desk: Desk
) -> None:
    wid = desk.warning(resident_id="P0123456789abcdef0123", phone=8613999999999)
    op = desk.user("op", Role.CENTRE_OPERATOR)
    data = _data(resident_id="P0123456789abcdef0123", reported_at=NOW + dt.timedelta(hours=1))
    with factory.begin() as s:
        case, _ = flows.save(session=s, principal=op, data=data, clocks=CLOCKS, now=NOW)
        assert case.warning_id == wid
