"""Every metric against the hand-computed fixture of ``support.build_october`` (SQLite + PG)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session, sessionmaker

from fanzha.reporting import metrics, periods
from fanzha.reporting.config import MetricsConfig
from fanzha.reporting.errors import ReportError
from fanzha.reporting.figures import CaseFigures, Filters, Rate, WarningFigures, percent
from fanzha.workflow.outcome.models import Category
from tests.unit.reporting.support import AS_OF, City, build_october

OCTOBER = periods.month(2026, 10)


def _summary(
    factory: sessionmaker[Session], period: periods.Period, **kw: object
) -> metrics.Summary:
    with factory() as s:
        return metrics.summary(s, period, as_of=AS_OF, **kw)  # type: ignore[arg-type]


def test_summary_no_data_is_zero_and_rates_are_none(factory: sessionmaker[Session]) -> None:
    result = _summary(factory, OCTOBER)
    assert result.warnings == WarningFigures(on_time_by_level=result.warnings.on_time_by_level)
    assert result.cases == CaseFigures()
    assert result.warnings.accuracy.value is None
    assert percent(result.warnings.accuracy) == "—"
    assert all(r.value is None for r in result.warnings.on_time_by_level.values())


def test_summary_warning_counts(factory: sessionmaker[Session], city: City) -> None:
    build_october(city)
    w = _summary(factory, OCTOBER).warnings
    assert (w.issued, w.signed, w.fed_back, w.closed) == (8, 7, 7, 6)
    assert (w.checkable, w.fraud_related, w.mismatch, w.duplicate, w.not_found) == (4, 3, 1, 1, 1)
    assert (w.defrauded, w.people) == (1, 7)
    assert w.saved_fen == 1_020_000
    assert w.lost_fen == 5_000


def test_summary_warning_rates(factory: sessionmaker[Session], city: City) -> None:
    build_october(city)
    w = _summary(factory, OCTOBER).warnings
    assert w.accuracy == Rate(3, 4)
    assert w.false_positive == Rate(1, 4)
    assert w.duplicate_share == Rate(1, 6)
    assert w.success == Rate(2, 3)  # w1 and w8 (contact by category); w2 defrauded
    assert w.on_time == Rate(5, 6)  # w6 not yet due, w7 never routed, w2 breached
    assert w.on_time_by_level == {4: Rate(1, 1), 3: Rate(1, 2), 2: Rate(2, 2), 1: Rate(1, 1)}
    assert w.face_to_face == Rate(1, 3)  # owed: w1 (done), w2 and w8 (closed, not visited)
    assert w.victimisation == Rate(1, 7)


def test_victimisation_window_is_configurable(factory: sessionmaker[Session], city: City) -> None:
    build_october(city)
    wide = _summary(factory, OCTOBER, cfg=MetricsConfig(victimisation_days=41)).warnings
    assert wide.victimisation == Rate(2, 7)  # w3's phone: case 40 days later
    narrow = _summary(factory, OCTOBER, cfg=MetricsConfig(victimisation_days=9)).warnings
    assert narrow.victimisation == Rate(0, 7)


def test_accuracy_definition_is_configurable(factory: sessionmaker[Session], city: City) -> None:
    build_october(city)
    cfg = MetricsConfig(
        fraud_outcomes=("dissuaded", "defrauded"), unchecked_outcomes=("not_found",)
    )
    w = _summary(factory, OCTOBER, cfg=cfg).warnings
    assert w.accuracy == Rate(2, 5)  # duplicate now checkable, self_protected not fraud


def test_summary_cases(factory: sessionmaker[Session], city: City) -> None:
    build_october(city)
    c = _summary(factory, OCTOBER).cases
    assert (c.cases, c.loss_fen, c.solved, c.arrests) == (4, 125_000, 1, 2)
    assert (c.accounts, c.stop_filed) == (2, 2)
    assert c.stop_on_time == Rate(1, 2)  # +30 min on time, +31 min late
    assert (c.stopped_fen, c.frozen_fen, c.returned_fen) == (60_000, 40_000, 30_000)
    late = _summary(factory, OCTOBER, cfg=MetricsConfig(stop_payment_minutes=31)).cases
    assert late.stop_on_time == Rate(2, 2)


def test_summary_filters(factory: sessionmaker[Session], city: City) -> None:
    build_october(city)
    s02 = _summary(factory, OCTOBER, filters=Filters(station="S02"))
    assert (s02.warnings.issued, s02.cases.cases, s02.cases.loss_fen) == (1, 1, 20_000)
    romance = _summary(factory, OCTOBER, filters=Filters(fraud_type="romance"))
    assert romance.warnings.issued == 1  # w8 by its confirmed type
    assert _summary(factory, OCTOBER, filters=Filters(source="bank")).warnings.issued == 1
    assert _summary(factory, OCTOBER, filters=Filters(level=2)).warnings.issued == 2


def test_late_outcome_changes_a_past_period(factory: sessionmaker[Session], city: City) -> None:
    september = periods.month(2026, 9)
    late = city.warning(dt.datetime(2026, 9, 30, 23, 59), level=2, signed_at=None)
    before = _summary(factory, september).warnings
    assert (before.issued, before.closed, before.accuracy.value) == (1, 0, None)
    city.outcome(late, Category.NOT_REACHED, dt.datetime(2026, 10, 2))
    city.outcome(late, Category.DISSUADED, dt.datetime(2026, 11, 3), amount_saved_fen=700)
    after = _summary(factory, september).warnings
    assert after.accuracy == Rate(1, 1)
    assert after.saved_fen == 700
    assert _summary(factory, OCTOBER).warnings.issued == 0


def test_breakdown_by_station(factory: sessionmaker[Session], city: City) -> None:
    build_october(city)
    with factory() as s:
        rows = metrics.breakdown(s, OCTOBER, "station", as_of=AS_OF)
    by_key = {r.key: r for r in rows}
    assert [r.key for r in rows] == ["S01", "S02"]
    assert by_key["S01"].label == "城关派出所"
    assert by_key["S01"].warnings.issued == 7
    assert by_key["S01"].warnings.accuracy == Rate(2, 3)
    assert by_key["S02"].cases is not None and by_key["S02"].cases.loss_fen == 20_000


def test_breakdown_by_fraud_type_uses_confirmed_type(
    factory: sessionmaker[Session], city: City
) -> None:
    build_october(city)
    with factory() as s:
        rows = {r.key: r for r in metrics.breakdown(s, OCTOBER, "fraud_type", as_of=AS_OF)}
    assert set(rows) == {"task_rebate", "romance", "fake_investment"}
    assert rows["romance"].warnings.issued == 1
    assert rows["romance"].label == "网络婚恋交友"
    assert rows["fake_investment"].warnings.issued == 0
    assert rows["fake_investment"].cases is not None
    assert rows["fake_investment"].cases.loss_fen == 100_000


def test_breakdown_by_rule_counts_each_kind_once(
    factory: sessionmaker[Session], city: City
) -> None:
    build_october(city)
    with factory() as s:
        rows = {r.key: r for r in metrics.breakdown(s, OCTOBER, "rule", as_of=AS_OF)}
    assert rows["fraud_call"].warnings.issued == 7  # w1 once despite two fraud_call reasons
    assert rows["remote_app"].warnings.issued == 1
    assert rows["remote_app"].warnings.accuracy == Rate(1, 1)
    assert rows["flagged_transfer"].warnings.fraud_related == 1
    assert rows["fraud_call"].cases is None


def test_breakdown_by_level_officer_source(factory: sessionmaker[Session], city: City) -> None:
    build_october(city)
    with factory() as s:
        levels = {r.key: r for r in metrics.breakdown(s, OCTOBER, "level", as_of=AS_OF)}
        officers = {r.key: r for r in metrics.breakdown(s, OCTOBER, "officer", lang="en")}
        sources = {r.key: r for r in metrics.breakdown(s, OCTOBER, "source", as_of=AS_OF)}
    assert {k: r.warnings.issued for k, r in levels.items()} == {4: 2, 3: 3, 2: 2, 1: 1}
    assert levels[4].label == "紧急"
    assert levels[3].warnings.on_time == Rate(1, 2)
    assert {r.label: r.warnings.issued for r in officers.values()} == {"王警官": 1, "unassigned": 7}
    assert {k: r.warnings.issued for k, r in sources.items()} == {"detection": 7, "bank": 1}


def test_breakdown_unknown_dimension(factory: sessionmaker[Session]) -> None:
    with factory() as s, pytest.raises(ReportError, match="unknown dimension"):
        metrics.breakdown(s, OCTOBER, "colour")


def test_series_by_week_adds_up_to_the_month(factory: sessionmaker[Session], city: City) -> None:
    build_october(city)
    with factory() as s:
        points = metrics.series(s, OCTOBER, periods.Grain.WEEK, as_of=AS_OF)
    assert [p.period.label for p in points][:2] == ["2026-10-01..2026-10-04", "2026-W41"]
    assert [p.warnings.issued for p in points] == [4, 1, 0, 1, 2]
    assert sum(p.cases.cases for p in points) == 4
    assert points[-1].cases.loss_fen == 20_000  # 31 Oct 23:59:59 is in the last week
    assert sum((p.warnings.accuracy for p in points), Rate(0, 0)) == Rate(3, 4)


def test_periods_across_the_year_boundary(factory: sessionmaker[Session], city: City) -> None:
    city.warning(dt.datetime(2026, 12, 31, 23, 59, 59))
    city.warning(dt.datetime(2027, 1, 1, 0, 0, 0))
    city.case(dt.datetime(2027, 1, 1, 0, 0, 0), loss_fen=300)
    assert _summary(factory, periods.year(2026)).warnings.issued == 1
    assert _summary(factory, periods.year(2027)).cases.loss_fen == 300
    span = periods.parse_period("2026-12-31..2027-01-01")
    with factory() as s:
        points = metrics.series(s, span, "day", as_of=AS_OF)
    assert [(p.period.label, p.warnings.issued, p.cases.cases) for p in points] == [
        ("2026-12-31", 1, 0),
        ("2027-01-01", 1, 1),
    ]
    week = periods.parse_period("2026-W53")
    assert _summary(factory, week).warnings.issued == 2


def test_compare_two_up_two_down() -> None:
    def make(cases: int, loss: int, solved: int, arrests: int, acc: Rate) -> metrics.Summary:
        return metrics.Summary(
            OCTOBER,
            Filters(),
            WarningFigures(issued=10, accuracy=acc),
            CaseFigures(cases=cases, loss_fen=loss, solved=solved, arrests=arrests),
        )

    now = make(8, 5_000, 3, 4, Rate(1, 2))
    before = make(10, 9_000, 2, 1, Rate(0, 0))
    changes = metrics.compare(now, before)
    assert changes["cases.cases"].good is True and changes["cases.cases"].ratio == -0.2
    assert changes["cases.arrests"].delta == 3.0
    assert changes["warnings.accuracy"].good is None  # previous had nothing to divide
    assert changes["warnings.issued"].good is None
    assert metrics.two_up_two_down(changes)
    assert not metrics.two_up_two_down(metrics.compare(before, now))
