"""Targeting from the risk map: the audience and communities with most harm, with reasons."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy.orm import Session, sessionmaker

from fanzha.reporting.registry import RegistryDemographics, resident_ids
from fanzha.reporting.riskmap import RiskRow, age_band, audience_of, load_rows
from fanzha.reporting.targeting import heat_table, suggest_plan
from fanzha.store.event_store import EventStore
from fanzha.workflow.campaign.models import Audience
from fanzha.workflow.case.models import Case
from fanzha.workflow.warning.models import EarlyWarning

APRIL = dt.date(2026, 4, 1)


def _row(
    community: str, month: int, kind: str, ftype: str, band: str, occ: str, n: int, loss: int = 0
) -> RiskRow:
    return RiskRow(community, dt.date(2026, month, 1), kind, ftype, band, occ, n, loss)


def test_targeting_plan_picks_the_most_harmed_audience_and_communities() -> None:
    rows = [
        _row("A", 3, "cases", "fake_investment", "60-69", "retiree", 6, 600_000_00),
        _row("A", 2, "cases", "impersonate_police", "70+", "unknown", 3, 90_000_00),
        _row("B", 3, "cases", "fake_investment", "60-69", "retiree", 4, 100_000_00),
        _row("B", 3, "warnings", "impersonate_police", "60-69", "retiree", 10),
        _row("C", 3, "cases", "game_trade", "18-29", "student", 5, 5_000_00),
        _row("D", 1, "cases", "fake_investment", "60-69", "retiree", 50, 1),  # too long ago
        _row("E", 3, "warnings", "task_rebate", "30-44", "office", 10),
    ]
    plan = suggest_plan(rows, month=APRIL, lookback=2, top=2)
    assert plan.audience is Audience.RETIREES
    assert plan.communities == ("A", "B")
    assert plan.fraud_types[0] == "fake_investment"
    a = plan.rows[0]
    assert (a.victims, a.loss_fen, a.previous_score) == (9, 690_000_00, 0.0)
    assert "9 victims" in a.reasons[0] and "¥690,000 lost" in a.reasons[0]
    assert (
        "2026年04月" in plan.headline_zh
        and "老年人" in plan.headline_zh
        and "A、B" in plan.headline_zh
    )
    assert "retirees in these 2 communities" in plan.headline_en
    assert plan.audience_scores["retirees"] > plan.audience_scores["students"]


def test_targeting_demographic_groups() -> None:
    assert [age_band(a) for a in (None, 12, 18, 59, 60, 85)] == [
        "unknown", "<18", "18-29", "45-59", "60-69", "70+",
    ]  # fmt: skip
    assert audience_of("30-44", "retiree") is Audience.RETIREES
    assert audience_of("70+", "unknown") is Audience.RETIREES
    assert audience_of("18-29", "student") is Audience.STUDENTS
    assert audience_of("30-44", "it") is Audience.EMPLOYEES
    assert audience_of("30-44", "unknown") is Audience.EVERYONE


def test_targeting_heat_table_per_community_and_month() -> None:
    rows = [
        _row("A", 3, "warnings", "other", "unknown", "unknown", 4),
        _row("A", 3, "cases", "other", "unknown", "unknown", 2, 300_00),
        _row("A", 3, "contacts", "other", "unknown", "unknown", 9),
        _row("B", 2, "warnings", "other", "unknown", "unknown", 1),
    ]
    table = heat_table(rows, [dt.date(2026, 2, 1), dt.date(2026, 3, 1)])
    assert table["A"][dt.date(2026, 3, 1)] == (4, 2, 300)
    assert table["B"] == {dt.date(2026, 2, 1): (1, 0, 0), dt.date(2026, 3, 1): (0, 0, 0)}


def test_targeting_rows_from_the_store(factory: sessionmaker[Session]) -> None:
    at = dt.datetime(2026, 3, 5, 10)
    with factory.begin() as s:
        for i, level in enumerate((3, 1)):
            s.add(
                EarlyWarning(
                    resident_id=f"R{i}", phone=8613800000000 + i, community="C1",
                    episode_start=at, warned_at=at, last_signal_at=at, level=level,
                    fraud_type="fake_investment/stock", score=1.0, rules_version="t",
                )
            )  # fmt: skip
        s.add(
            Case(
                case_no="K1", reported_at=at, community="C1", fraud_type="impersonate_police",
                loss_fen=500_00, victim_age=67, victim_resident_id="R0",
            )
        )  # fmt: skip
    with factory() as s:
        rows = load_rows(
            session=s,
            since=dt.datetime(2026, 3, 1),
            until=dt.datetime(2026, 4, 1),
            demographics=lambda r: (None, "retiree") if r == "R0" else None,
        )
    by_kind = {(r.kind, r.occupation): r for r in rows}
    assert by_kind[("warnings", "retiree")].fraud_type == "fake_investment"
    assert by_kind[("contacts", "retiree")].count == 1  # only the high-level warning
    assert ("contacts", "unknown") not in by_kind
    case = by_kind[("cases", "retiree")]
    assert (case.age_band, case.loss_fen, case.audience) == ("60-69", 500_00, Audience.RETIREES)


def test_targeting_registry_demographics(factory: sessionmaker[Session], tmp_path: Path) -> None:
    store = EventStore(tmp_path)
    store.table_path("residents").parent.mkdir(parents=True)
    table = pa.table(
        {
            "resident_id": ["R1", "R2"],
            "phone": [8613800000001, 8613800000002],
            "birth_year": [1955, 2006],
            "gender": ["f", "m"],
            "occupation": ["retiree", "student"],
            "community": ["C1", "C1"],
        }
    )
    pq.write_table(table, store.table_path("residents"))
    at = dt.datetime(2026, 3, 5, 10)
    with factory.begin() as s:
        for rid in ("R1", "R2", "R9"):
            s.add(
                EarlyWarning(
                    resident_id=rid, phone=8613800000000, community="C1", episode_start=at,
                    warned_at=at, last_signal_at=at, level=3, fraud_type="other", score=1.0,
                    rules_version="t",
                )
            )  # fmt: skip
    since, until = dt.datetime(2026, 3, 1), dt.datetime(2026, 4, 1)
    with factory() as s:
        ids = resident_ids(session=s, since=since, until=until)
        people = RegistryDemographics(store, ids, 2026)
        rows = load_rows(session=s, since=since, until=until, demographics=people)
    assert ids == ["R1", "R2", "R9"]
    assert (people("R1"), people("R2"), people("R9")) == ((71, "retiree"), (20, "student"), None)
    audiences = {r.audience for r in rows if r.kind == "warnings"}
    assert audiences == {Audience.RETIREES, Audience.STUDENTS, Audience.EVERYONE}
    assert RegistryDemographics(None, ids, 2026)("R1") is None
