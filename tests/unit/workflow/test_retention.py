"""Retention: personal data of old closed records is purged; aggregates and the audit stay."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import create_engine, func, or_, select, text
from sqlalchemy.orm import Session, aliased, sessionmaker

from fanzha.core.warning_record import dump_reasons
from fanzha.notify.models import OutboxRow
from fanzha.notify.service import request_contact
from fanzha.store.event_store import EventStore
from fanzha.workflow.action.models import Action
from fanzha.workflow.audit import service as audit
from fanzha.workflow.audit.models import AuditRecord
from fanzha.workflow.case.models import Case, CaseAccount
from fanzha.workflow.outcome.models import Outcome
from fanzha.workflow.restriction.models import Appeal, Restriction
from fanzha.workflow.retention import flows, service
from fanzha.workflow.retention.models import PurgedRow, PurgeToken, RetentionRun
from fanzha.workflow.warning.models import EarlyWarning
from tests.unit.workflow.support import Desk

AS_OF = dt.datetime(2026, 3, 2)
POLICY = flows.Policy(days=365, as_of=AS_OF)  # cutoff 2025-03-02
OLD = dt.datetime(2024, 6, 1, 9, 30)
RECENT = dt.datetime(2026, 1, 10, 9, 30)
PHONE = 8613800001234
RETENTION_TABLES = ("retention_purged", "retention_tokens", "retention_runs")


@pytest.fixture(autouse=True)
def _clean_retention_tables(db_url: str) -> Iterator[None]:
    """PostgreSQL reuses one database per session: empty the tables the desk fixture skips."""
    if db_url.startswith("postgresql"):
        engine = create_engine(db_url)
        with engine.begin() as conn:
            tables = ", ".join((*RETENTION_TABLES, "case_accounts", "cases"))
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        engine.dispose()
    yield


class City:
    """Closed, open, old and recent warnings with actions, outcomes, restrictions and cases."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        desk.station("S1", ("C1",))
        desk.station("S2", ("C2",))

    def warning(self, closed: dt.datetime | None, **kw: Any) -> int:
        values: dict[str, Any] = {
            "station": "S1",
            "community": "C1",
            "is_open": closed is None,
            "status": "routed" if closed is None else "closed",
            "closed_at": closed,
            "episode_start": (closed or RECENT) - dt.timedelta(days=2),
            "warned_at": (closed or RECENT) - dt.timedelta(days=2),
            "outcome": None if closed is None else "dissuaded",
            "reasons": [
                {
                    "time": "2024-05-30 10:00:00",
                    "kind": "indicator_call",
                    "weight": 3.5,
                    "level_floor": 3,
                    "fraud_type": "fake_investment",
                    "counterpart": 8617012345678,
                    "detail": "duration_s=600",
                    "source": "province",
                    "score_after": 3.5,
                    "level_after": 3,
                },
                {
                    "time": "2024-05-30 10:05:00",
                    "kind": "indicator_url",
                    "weight": 2.0,
                    "detail": "host=evil.example.com",
                    "evidence": "张三 called 13800001234",
                },
            ],
        }
        return self.desk.warning(**{**values, **kw})

    def handle(self, warning_id: int, at: dt.datetime, lost: int = 0, saved: int = 0) -> None:
        with self.desk.factory.begin() as s:
            s.add(
                Action(
                    warning_id=warning_id,
                    kind="call",
                    at=at,
                    actor="wang",
                    result="reached",
                    note="打了 13800001234，本人在家",
                    details={},
                )
            )
            s.add(
                Action(
                    warning_id=warning_id,
                    kind="transfer",
                    at=at,
                    actor="wang",
                    note="moved",
                    details={"from": "S2", "to": "S1", "reason": "lives at 幸福路 8 号"},
                )
            )
            s.add(
                Outcome(
                    warning_id=warning_id,
                    category="dissuaded" if not lost else "defrauded",
                    final=True,
                    amount_lost_fen=lost,
                    amount_saved_fen=saved,
                    confirmed_level=3,
                    confirmed_type="fake_investment",
                    note="本人 13800001234 已劝阻",
                    at=at,
                    actor="wang",
                )
            )

    def restriction(self, warning_id: int, active: bool) -> int:
        with self.desk.factory.begin() as s:
            r = Restriction(
                warning_id=warning_id,
                resident_id=self.desk.get(warning_id).resident_id,
                kind="stop_payment",
                reason="转账给涉诈账户 6222020000001234",
                notice="已电话告知本人",
                appeal_channel="12345",
                requested_at=OLD,
                requested_by="wang",
                status="active" if active else "lifted",
                lifted_at=None if active else OLD,
                lifted_by=None if active else "wang",
                lift_reason=None if active else "本人已知情",
            )
            s.add(r)
            s.flush()
            s.add(Appeal(restriction_id=r.id, appealed_at=OLD, recorded_by="wang", text="我没被骗"))
            return r.id

    def case(self, reported: dt.datetime, **kw: Any) -> int:
        account = kw.pop("account", {})
        values: dict[str, Any] = {
            "case_no": f"A{reported:%Y%m%d}{len(self.cases())}",
            "reported_at": reported,
            "victim_resident_id": None,
            "victim_phone": None,
            "victim_age": 64,
            "community": "C1",
            "station": "S1",
            "fraud_type": "fake_investment",
            "loss_fen": 1_250_000,
            "solved": False,
            "arrests": 0,
            "source": "manual",
            "note": "受害人 13800001234 住幸福路",
        }
        with self.desk.factory.begin() as s:
            c = Case(**{**values, **kw})
            s.add(c)
            s.flush()
            s.add(
                CaseAccount(
                    case_id=c.id,
                    bank="ICBC",
                    account="6222020000009876",
                    paid_fen=1_250_000,
                    stopped_fen=0,
                    frozen_fen=account.get("frozen", 0),
                    returned_fen=account.get("returned", 0),
                    paid_at=reported - dt.timedelta(hours=2),
                    returned_at=account.get("returned_at"),
                )
            )
            return c.id

    def cases(self) -> list[Case]:
        with self.desk.factory() as s:
            return list(s.scalars(select(Case).order_by(Case.id)))


def purge(factory: sessionmaker[Session], store: EventStore | None = None) -> flows.PurgeReport:
    return flows.purge(
        factory=factory, store=store, policy=POLICY, actor="cli:test", now=AS_OF, batch=2
    )


def aggregates(factory: sessionmaker[Session]) -> dict[str, Any]:
    """What reports count: by level/station/type/status/outcome, sums, people, victims."""
    w, c, o = EarlyWarning, Case, Outcome
    with factory() as s:
        by_group = s.execute(
            select(w.level, w.station, w.fraud_type, w.status, w.outcome, func.count())
            .group_by(w.level, w.station, w.fraud_type, w.status, w.outcome)
            .order_by(w.level, w.station, w.fraud_type, w.status, w.outcome)
        ).all()
        sums = s.execute(
            select(
                o.category, func.count(), func.sum(o.amount_lost_fen), func.sum(o.amount_saved_fen)
            )
            .group_by(o.category)
            .order_by(o.category)
        ).all()
        cases = s.execute(
            select(
                c.fraud_type, c.station, func.count(), func.sum(c.loss_fen), func.sum(c.victim_age)
            )
            .group_by(c.fraud_type, c.station)
            .order_by(c.fraud_type, c.station)
        ).all()
        paid = s.scalar(select(func.sum(CaseAccount.paid_fen)))
        people = s.scalar(select(func.count(func.distinct(w.resident_id))))
        k = aliased(Case)
        linked = or_(k.victim_resident_id == w.resident_id, k.victim_phone == w.phone)
        window = (k.reported_at >= w.warned_at,)  # SQLite has no interval arithmetic
        victims = s.scalar(
            select(func.count(func.distinct(w.resident_id)))
            .select_from(w)
            .join(k, linked)
            .where(*window)
        )
        actions = s.execute(
            select(Action.kind, Action.result, func.count())
            .group_by(Action.kind, Action.result)
            .order_by(Action.kind, Action.result)
        ).all()
    return {
        "by_group": [tuple(r) for r in by_group],
        "outcome_sums": [tuple(r) for r in sums],
        "cases": [tuple(r) for r in cases],
        "paid": paid,
        "people": people,
        "victims": victims,
        "actions": [tuple(r) for r in actions],
    }


def test_retention_purges_personal_data_of_old_closed_warnings(desk: Desk) -> None:
    city = City(desk)
    old = city.warning(OLD, phone=PHONE, resident_id="P0000000000000000000a")
    city.handle(old, OLD)
    recent = city.warning(RECENT)
    city.handle(recent, RECENT)
    still_open = city.warning(None, warned_at=OLD, episode_start=OLD)
    with desk.factory.begin() as s:  # an automated SMS to each of the two closed warnings
        for wid in (old, recent):
            request_contact(
                s, warning_id=wid, fraud_type="fake_investment", recipient=str(PHONE),
                channel="sms", now=OLD,
            )  # fmt: skip
    report = purge(desk.factory)
    assert (report.counts["warnings"], report.counts["actions"], report.counts["outcomes"]) == (
        1,
        2,
        1,
    )
    assert report.counts["outreach"] == 1
    with desk.factory() as s:
        sent = {r.subject_id: r for r in s.scalars(select(OutboxRow))}
    purged_sms, kept_sms = sent[str(old)], sent[str(recent)]
    assert purged_sms.recipient.startswith("purged:") and purged_sms.body == ""
    assert purged_sms.template == kept_sms.template and purged_sms.status == "pending"
    assert kept_sms.recipient == str(PHONE) and kept_sms.body
    w = desk.get(old)
    assert w.phone is None and w.resident_id.startswith("purged:")
    assert dump_reasons(w.reasons) == [
        {
            "time": "2024-05-30T10:00:00",
            "kind": "indicator_call",
            "weight": 3.5,
            "level_floor": 3,
            "fraud_type": "fake_investment",
            "source": "province",
            "score_after": 3.5,
            "level_after": 3,
            "purged": True,
        },
        {"time": "2024-05-30T10:05:00", "kind": "indicator_url", "weight": 2.0, "purged": True},
    ]
    assert (w.level, w.station, w.fraud_type, w.closed_at) == (3, "S1", "fake_investment", OLD)
    with desk.factory() as s:
        notes = s.execute(select(Action.warning_id, Action.note, Action.details)).all()
        outcome_notes = dict(s.execute(select(Outcome.warning_id, Outcome.note)).all())
    assert [(wid, note, d) for wid, note, d in notes if wid == old] == [
        (old, "", {}),
        (old, "", {"from": "S2", "to": "S1"}),
    ]
    assert outcome_notes == {old: "", recent: "本人 13800001234 已劝阻"}
    assert desk.get(recent).phone is not None and desk.get(recent).reasons[0].counterpart
    assert desk.get(still_open).phone is not None


def test_retention_keeps_every_aggregate(desk: Desk) -> None:
    city = City(desk)
    for n in range(5):
        wid = city.warning(
            OLD + dt.timedelta(days=n),
            phone=PHONE + n,
            resident_id=f"P{n:020d}",
            level=2 + n % 3,
            station="S1" if n % 2 else "S2",
            fraud_type="fake_investment" if n < 3 else "fake_loan",
        )
        city.handle(wid, OLD + dt.timedelta(days=n), lost=100 * n, saved=1000 * n)
    again = city.warning(OLD + dt.timedelta(days=90), phone=PHONE, resident_id=f"P{0:020d}")
    city.handle(again, OLD + dt.timedelta(days=90))
    city.warning(RECENT, phone=PHONE + 9, resident_id="P" + "9" * 20)
    city.warning(RECENT, phone=PHONE + 4, resident_id=f"P{4:020d}")  # holds person 4 back
    city.case(OLD + dt.timedelta(days=3), victim_resident_id=f"P{1:020d}", victim_phone=PHONE + 1)
    city.case(OLD + dt.timedelta(days=5), victim_phone=PHONE + 3)  # linked by phone only
    city.case(OLD, fraud_type="fake_loan", loss_fen=99)  # no victim known
    before = aggregates(desk.factory)
    assert before["victims"] == 2 and before["people"] == 6
    report = purge(desk.factory)
    assert (report.counts["warnings"], report.counts["cases"]) == (5, 3)
    assert report.counts["warnings_held"] == 1
    assert aggregates(desk.factory) == before


def test_retention_purges_cases_and_masks_accounts(desk: Desk) -> None:
    city = City(desk)
    wid = city.warning(OLD, phone=PHONE, resident_id="P0000000000000000000b")
    old = city.case(OLD + dt.timedelta(days=3), victim_resident_id="P0000000000000000000b")
    solved_late = city.case(OLD, solved=True, solved_at=RECENT)
    owed = city.case(OLD, account={"frozen": 500})  # frozen, nothing returned yet
    pro_rata = city.case(OLD, account={"frozen": 500, "returned": 100, "returned_at": OLD})
    report = purge(desk.factory)
    assert (report.counts["cases"], report.counts["case_accounts"]) == (2, 2)
    assert report.counts["cases_held"] == 1  # money still to return; the solved one is recent
    cases = {c.id: c for c in city.cases()}
    assert cases[old].victim_resident_id == desk.get(wid).resident_id  # same person, same token
    assert (cases[old].victim_phone, cases[old].note) == (None, "")
    assert (cases[old].loss_fen, cases[old].victim_age, cases[old].fraud_type) == (
        1_250_000,
        64,
        "fake_investment",
    )
    assert cases[solved_late].note != "" and cases[owed].note != ""
    with desk.factory() as s:
        accounts = dict(s.execute(select(CaseAccount.case_id, CaseAccount.account)).all())
    assert accounts == {
        old: "****9876",
        solved_late: "6222020000009876",
        owed: "6222020000009876",
        pro_rata: "****9876",
    }


def test_retention_holds_a_warning_whose_case_is_recent(desk: Desk) -> None:
    city = City(desk)
    wid = city.warning(OLD, phone=PHONE, resident_id="P0000000000000000000c")
    case_id = city.case(
        OLD + dt.timedelta(days=10), victim_phone=PHONE, solved=True, solved_at=RECENT
    )
    report = purge(desk.factory)
    assert (report.counts["warnings"], report.counts["warnings_held"]) == (0, 1)
    assert desk.get(wid).phone == PHONE
    assert city.cases()[0].victim_phone == PHONE and city.cases()[0].id == case_id


def test_retention_holds_warnings_under_an_active_stop_payment(desk: Desk) -> None:
    city = City(desk)
    held = city.warning(OLD, phone=PHONE, resident_id="P0000000000000000000d")
    city.restriction(held, active=True)
    lifted = city.warning(OLD, phone=PHONE + 1, resident_id="P0000000000000000000e")
    city.restriction(lifted, active=False)
    report = purge(desk.factory)
    assert (report.counts["warnings"], report.counts["warnings_held"]) == (1, 1)
    assert (report.counts["restrictions"], report.counts["appeals"]) == (1, 1)
    with desk.factory() as s:
        rows = {r.warning_id: r for r in s.scalars(select(Restriction))}
        appeals = {a.restriction_id: a.text for a in s.scalars(select(Appeal))}
    assert rows[lifted].resident_id == desk.get(lifted).resident_id
    assert (rows[lifted].reason, rows[lifted].notice, rows[lifted].lift_reason) == ("", "", "")
    assert (rows[lifted].status, rows[lifted].appeal_channel) == ("lifted", "12345")
    assert appeals[rows[lifted].id] == "" and appeals[rows[held].id] == "我没被骗"
    assert rows[held].reason.startswith("转账") and desk.get(held).phone == PHONE


def test_retention_is_idempotent_and_marks_purged_rows(desk: Desk) -> None:
    city = City(desk)
    ids = [city.warning(OLD, phone=PHONE + n, resident_id=f"R{n:08d}") for n in range(5)]
    first = purge(desk.factory)  # batches of 2
    token_of = {i: desk.get(i).resident_id for i in ids}
    second = purge(desk.factory)
    assert (first.counts["warnings"], second.counts["warnings"]) == (5, 0)
    assert {i: desk.get(i).resident_id for i in ids} == token_of
    with desk.factory() as s:
        marks = s.execute(select(PurgedRow.table_name, PurgedRow.row_id, PurgedRow.run_id)).all()
        runs = list(s.scalars(select(RetentionRun).order_by(RetentionRun.id)))
    assert sorted(marks) == [("warnings", i, first.run_id) for i in ids]
    assert [r.counts["warnings"] for r in runs] == [5, 0]
    assert all(r.finished_at == AS_OF and r.cutoff == dt.datetime(2025, 3, 2) for r in runs)


def test_retention_same_person_shares_one_placeholder(desk: Desk) -> None:
    city = City(desk)
    first = city.warning(OLD, phone=PHONE, resident_id="P0000000000000000000f")
    second = city.warning(
        OLD + dt.timedelta(days=30), phone=PHONE, resident_id="P0000000000000000000f"
    )
    other = city.warning(OLD, phone=PHONE + 1, resident_id="P0000000000000000000g")
    purge(desk.factory)
    tokens = [desk.get(i).resident_id for i in (first, second, other)]
    assert tokens[0] == tokens[1] != tokens[2]
    assert all(t.startswith("purged:") and len(t) == 23 for t in tokens)


def test_retention_purges_a_persons_warnings_together_then_releases_the_token(
    desk: Desk,
) -> None:
    city = City(desk)
    old = city.warning(OLD, phone=PHONE, resident_id="P0000000000000000000h")
    recent = city.warning(RECENT, phone=PHONE, resident_id="P0000000000000000000h")
    first = purge(desk.factory)
    assert (first.counts["warnings"], first.counts["warnings_held"]) == (0, 1)
    assert desk.get(old).resident_id == "P0000000000000000000h"  # not half purged
    with desk.factory.begin() as s:
        w = s.get(EarlyWarning, recent)
        assert w is not None
        w.closed_at = OLD + dt.timedelta(days=1)
    second = purge(desk.factory)
    assert (second.counts["warnings"], second.counts["tokens_released"]) == (2, 1)
    assert desk.get(old).resident_id == desk.get(recent).resident_id != "P0000000000000000000h"
    with desk.factory() as s:
        assert s.scalar(select(func.count()).select_from(PurgeToken)) == 0


def test_retention_holds_a_person_whose_case_is_still_owed_money(desk: Desk) -> None:
    city = City(desk)
    wid = city.warning(OLD, phone=PHONE, resident_id="P0000000000000000000j")
    city.case(OLD, victim_resident_id="P0000000000000000000j", account={"frozen": 10})
    report = purge(desk.factory)  # the case is owed money: held, and so is its warning
    assert (report.counts["warnings_held"], report.counts["cases_held"]) == (1, 1)
    assert desk.get(wid).phone == PHONE


def test_retention_audit_chain_verifies_after_purge(desk: Desk) -> None:
    city = City(desk)
    wid = city.warning(OLD, phone=PHONE, resident_id="P0000000000000000000i")
    with desk.factory.begin() as s:
        for n in range(3):
            audit.append(
                session=s, actor="wang", action="view", object_type="warning", object_id=wid, at=OLD
            )
            _ = n
    report = purge(desk.factory)
    with desk.factory() as s:
        assert audit.verify(session=s).ok
        assert audit.verify(session=s).checked == 5
        record = s.scalars(select(AuditRecord).where(AuditRecord.action == "retention.purge")).one()
        batch = s.scalars(select(AuditRecord).where(AuditRecord.action == "retention.batch")).one()
    assert batch.object_id == str(report.run_id)
    assert batch.detail == {
        "phase": "warnings",
        "counts": {"actions": 0, "outcomes": 0, "outreach": 0, "warnings": 1},
    }
    assert record.object_id == str(report.run_id) and record.actor == "cli:test"
    assert record.detail["counts"]["warnings"] == 1
    assert record.detail["cutoff"] == "2025-03-02T00:00:00" and record.detail["days"] == 365


def test_retention_dry_run_counts_without_changing_anything(desk: Desk, tmp_path: Path) -> None:
    city = City(desk)
    for n in range(3):
        city.warning(OLD, phone=PHONE + n, resident_id=f"R{n:08d}")
    city.warning(RECENT)
    city.case(OLD)
    store = event_store(tmp_path)
    preview = flows.preview(factory=desk.factory, store=store, policy=POLICY)
    assert (preview.counts["warnings"], preview.counts["cases"], preview.counts["partitions"]) == (
        3,
        1,
        2,
    )
    with desk.factory() as s:
        assert s.scalar(select(func.count()).select_from(RetentionRun)) == 0
        assert s.scalar(select(func.count()).select_from(AuditRecord)) == 0
        assert s.scalar(select(func.count()).where(EarlyWarning.phone.is_(None))) == 0
    assert len(store.files("calls")) == 3
    report = purge(desk.factory, store)
    assert preview.counts["lead_rows"] == 1
    for key in ("warnings", "cases", "partitions", "event_files", "bytes", "lead_rows"):
        assert report.counts[key] == preview.counts[key], key


def event_store(root: Path) -> EventStore:
    """Calls on two old days and one recent day; an old and a new quarantine file."""
    store = EventStore(root)
    for day in ("2024-01-05", "2025-03-01", "2026-02-01"):
        folder = store.day_dir("calls", day)
        folder.mkdir(parents=True)
        (folder / "batch1.parquet").write_bytes(b"PAR1" + day.encode())
    store.table_path("residents").parent.mkdir(parents=True)
    store.table_path("residents").write_bytes(b"PAR1")
    leads = pa.table(
        {
            "phone": pa.array([PHONE, PHONE + 1], pa.int64()),
            "instruction_no": ["old", "new"],
            "time": pa.array([OLD, RECENT], pa.timestamp("us")),
        }
    )
    pq.write_table(leads, store.table_path("leads"))
    quarantine = root / "quarantine" / "calls"
    quarantine.mkdir(parents=True)
    for name, when in (("old.csv", OLD), ("new.csv", RECENT)):
        (quarantine / name).write_text("file,row,column,reason,raw\n")
        os.utime(quarantine / name, (when.timestamp(), when.timestamp()))
    return store


def test_retention_deletes_old_partitions_and_quarantine_files(desk: Desk, tmp_path: Path) -> None:
    store = event_store(tmp_path)
    report = purge(desk.factory, store)
    left = sorted(p.parent.name for p in store.files("calls"))
    assert left == ["day=2026-02-01"]
    assert (report.counts["partitions"], report.counts["event_files"]) == (2, 2)
    assert report.counts["quarantine_files"] == 1
    assert [p.name for p in (tmp_path / "quarantine" / "calls").iterdir()] == ["new.csv"]
    assert store.table_path("residents").exists()  # registries are not history
    assert report.counts["lead_rows"] == 1
    kept = pq.read_table(store.table_path("leads")).to_pylist()
    assert [(r["phone"], r["instruction_no"]) for r in kept] == [(PHONE + 1, "new")]


def test_retention_without_event_store_purges_the_database_only(desk: Desk) -> None:
    City(desk).warning(OLD)
    report = purge(desk.factory, None)
    assert report.counts["warnings"] == 1 and report.counts["partitions"] == 0


def test_retention_policy_needs_a_positive_period() -> None:
    with pytest.raises(Exception, match="at least one day"):
        flows.Policy(days=0, as_of=AS_OF)


def test_retention_batches_never_split_a_persons_warnings(desk: Desk) -> None:
    city = City(desk)
    lone = city.warning(OLD, phone=PHONE, resident_id="P0000000000000000000k")
    many = [
        city.warning(
            OLD + dt.timedelta(days=n), phone=PHONE + 1, resident_id="P000000000000000000zz"
        )
        for n in range(3)
    ]
    batches = flows._candidate_batches(
        desk.factory, POLICY.cutoff, service.due_warnings, "warnings", 2
    )
    assert sorted(map(sorted, batches)) == sorted([[lone], sorted(many)])
