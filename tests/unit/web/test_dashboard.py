"""The dashboard's pages and JSON endpoints against a small hand-built history.

The clock stands at 2 March 2026 (a Monday), so "this month" is March 2026, 环比 compares with
February 2026 and 同比 with March 2025. The history:

| what | when                 | station | type        | source   | level | outcome / figures       |
|------|----------------------|---------|-------------|----------|-------|-------------------------|
| w1   | Sun 1 Mar 09:10      | S1      | task_rebate | detection| 3     | dissuaded, saved 1,000  |
| w2   | Mon 2 Mar 08:30      | S1      | romance     | upstream | 2     | mismatch                |
| w3   | Mon 2 Mar 09:15      | S2      | task_rebate | bank     | 4     | open                    |
| w4   | 10 Feb               | S1      | task_rebate | detection| 2     | (last month)            |
| c1   | Sun 1 Mar 20:00      | S1      | task_rebate | loss 5,000, solved, 2 arrests   |
|      |                      |         |             | frozen 2,000, returned 1,000    |
| c0   | 5 Mar 2025           | S1      | task_rebate | loss 9,000 (a year ago)  |
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from fanzha.reporting import dashboard as data
from fanzha.reporting.config import MetricsConfig
from fanzha.reporting.periods import Grain
from fanzha.sim.history import HistoryConfig, simulate_history
from fanzha.web.pages import dashboard as page
from fanzha.workflow.audit import service as audit
from fanzha.workflow.audit.models import AuditRecord
from fanzha.workflow.outcome.models import Category
from tests.unit.reporting.support import City
from tests.unit.web.support import Browser

MARCH = dt.datetime(2026, 3, 1)


@pytest.fixture
def history(app: FastAPI) -> dict[str, int]:
    city = City(app.state.desk.factory)
    ids = {
        "w1": city.warning(
            MARCH.replace(hour=9, minute=10),
            station="S1",
            level=3,
            reasons=[{"kind": "indicator_call"}],
        ),
        "w2": city.warning(
            dt.datetime(2026, 3, 2, 8, 30),
            station="S1",
            level=2,
            fraud_type="romance",
            source="upstream",
            reasons=[{"kind": "upstream_lead"}],
        ),
        "w3": city.warning(
            dt.datetime(2026, 3, 2, 9, 15),
            station="S2",
            level=4,
            source="bank",
            reasons=[{"kind": "indicator_account"}],
        ),
        "w4": city.warning(dt.datetime(2026, 2, 10, 11, 0), station="S1", level=2),
    }
    city.outcome(
        ids["w1"],
        Category.DISSUADED,
        MARCH.replace(hour=10),
        amount_saved_fen=100_000,
        confirmed_level=3,
        confirmed_type="task_rebate",
    )
    city.outcome(ids["w2"], Category.MISMATCH, dt.datetime(2026, 3, 2, 9, 0), note="not him")
    c1 = city.case(
        MARCH.replace(hour=20),
        station="S1",
        loss_fen=500_000,
        solved=True,
        arrests=2,
    )
    city.account(c1, paid_fen=500_000, frozen_fen=200_000, returned_fen=100_000)
    city.case(dt.datetime(2025, 3, 5, 15, 0), station="S1", loss_fen=900_000)
    return ids


def _login(app: FastAPI, user: str) -> Browser:
    b = Browser(app)
    b.login(user)
    return b


def _tiles(browser: Browser, query: str = "") -> dict[str, Any]:
    response = browser.client.get(f"/dashboard/data/kpis{query}")
    assert response.status_code == 200, response.text
    return {t["key"]: t for t in response.json()["tiles"]}


def test_dashboard_kpis_match_the_hand_built_history(app: FastAPI, history: Any) -> None:
    tiles = _tiles(_login(app, "leader"))
    assert tiles["warnings"]["value"] == 3
    assert tiles["accuracy"]["value"] == pytest.approx(0.5)  # w1 fraud-related, w2 不符
    assert tiles["cases"]["value"] == 1
    assert tiles["losses"]["value"] == 500_000
    assert tiles["solved"]["value"] == 1
    assert tiles["arrests"]["value"] == 2
    assert tiles["frozen"]["value"] == 200_000
    assert tiles["returned"]["value"] == 100_000
    assert tiles["protected"]["value"] == 100_000
    # 环比: 3 warnings against 1 in February, a count with no wanted direction
    assert tiles["warnings"]["mom"] == {
        "direction": "up",
        "ratio": 2.0,
        "good": None,
        "previous": 1,
    }
    # 同比: one case each March, losses down from 9,000 to 5,000 yuan — down is good
    assert tiles["cases"]["yoy"]["direction"] == "flat"
    assert tiles["losses"]["yoy"]["direction"] == "down"
    assert tiles["losses"]["yoy"]["good"] is True
    assert tiles["solved"]["yoy"]["good"] is True  # 0 → 1


def test_dashboard_filters_by_station_and_type(app: FastAPI, history: Any) -> None:
    leader = _login(app, "leader")
    assert _tiles(leader, "?station=S2")["warnings"]["value"] == 1
    assert _tiles(leader, "?station=S2")["cases"]["value"] == 0
    assert _tiles(leader, "?type=romance")["warnings"]["value"] == 1
    assert _tiles(leader, "?period=last_month")["warnings"]["value"] == 1


def test_dashboard_breakdowns_ranking_and_rules(app: FastAPI, history: Any) -> None:
    leader = _login(app, "leader")
    types = leader.client.get("/dashboard/data/breakdown/type").json()["rows"]
    assert {r["key"]: r["warnings"] for r in types} == {"task_rebate": 2, "romance": 1}
    sources = leader.client.get("/dashboard/data/breakdown/source").json()["rows"]
    assert {r["key"]: r["warnings"] for r in sources} == {
        "detection": 1,
        "upstream": 1,
        "bank": 1,
    }
    levels = leader.client.get("/dashboard/data/breakdown/level").json()["rows"]
    assert {r["key"]: r["warnings"] for r in levels} == {"2": 1, "3": 1, "4": 1}
    assert leader.client.get("/dashboard/data/breakdown/nope").status_code == 404
    ranking = leader.client.get("/dashboard/data/stations").json()["rows"]
    assert [(r["key"], r["warnings"], r["cases"]) for r in ranking] == [("S1", 2, 1), ("S2", 1, 0)]
    assert ranking[0]["accuracy"] == pytest.approx(0.5)
    rules = {r["key"]: r for r in leader.client.get("/dashboard/data/rules").json()["rows"]}
    assert rules["indicator_call"]["fraud_related"] == 1
    assert rules["upstream_lead"]["fraud_related"] == 0
    assert rules["upstream_lead"]["checkable"] == 1


def test_dashboard_heatmap_by_hour_and_weekday(app: FastAPI, history: Any) -> None:
    heat = _login(app, "leader").client.get("/dashboard/data/heatmap").json()
    # [hour, weekday (Monday = 0), count]; 1 March 2026 is a Sunday
    assert sorted(heat["warnings"]) == [[8, 0, 1], [9, 0, 1], [9, 6, 1]]
    assert heat["cases"] == [[20, 6, 1]]


def test_dashboard_trend_counts_per_day(app: FastAPI, history: Any) -> None:
    trend = _login(app, "leader").client.get("/dashboard/data/trend").json()
    assert trend["grain"] == "day"
    assert trend["labels"] == ["2026-03-01", "2026-03-02"]  # the clock stands at 2 March
    assert trend["warnings"] == [1, 2]
    assert trend["cases"] == [1, 0]
    february = _login(app, "leader").client.get("/dashboard/data/trend?period=last_month").json()
    assert len(february["labels"]) == 28 and sum(february["warnings"]) == 1
    weekly = _login(app, "leader").client.get("/dashboard/data/trend?grain=week").json()
    assert weekly["grain"] == "week" and sum(weekly["warnings"]) == 3


def test_dashboard_page_shows_figures_tables_and_is_audited(app: FastAPI, history: Any) -> None:
    leader = _login(app, "leader")
    response = leader.client.get("/dashboard")
    assert response.status_code == 200
    html = response.text
    assert 'data-kpi="warnings"' in html and "预警准确率" in html and "50.0%" in html
    assert "5,000" in html  # losses in yuan
    assert 'id="ranking-table"' in html and "一所" in html
    assert "/static/vendor/echarts.min.js" in html or "make assets" in html
    assert "<script>" not in html  # CSP: no inline scripts
    assert [(r.action, r.object_id) for r in _dashboard_audit(app)] == [("view", "2026-03")]
    with app.state.desk.factory() as s:
        assert audit.verify(session=s).ok  # the batch writer keeps the hash chain intact


def _dashboard_audit(app: FastAPI) -> list[AuditRecord]:
    """The dashboard's audit records, once the batch writer has committed them (≤ 0.5 s)."""
    deadline = time.monotonic() + 10
    while True:
        with app.state.desk.factory() as s:
            query = select(AuditRecord).where(AuditRecord.object_type == "dashboard")
            records = list(s.scalars(query))
        if records or time.monotonic() > deadline:
            return records
        time.sleep(0.05)


def test_dashboard_english(app: FastAPI, history: Any) -> None:
    leader = _login(app, "leader")
    leader.client.get("/lang/en")
    html = leader.client.get("/dashboard").text
    assert "Warning accuracy" in html and "Station ranking" in html


def test_dashboard_says_when_echarts_is_missing(
    app: FastAPI, history: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(page, "ECHARTS", tmp_path / "missing.js")
    html = _login(app, "leader").client.get("/dashboard").text
    assert "make assets" in html and 'id="no-echarts"' in html
    assert "/static/vendor/echarts.min.js" not in html
    assert 'id="kpis"' in html  # the figures are still there


@pytest.mark.parametrize(
    ("user", "status"),
    [
        ("leader", 200),
        ("supervisor", 200),
        ("operator", 403),
        ("officer", 403),
        ("grid", 403),
        ("admin", 403),
    ],
)
def test_dashboard_needs_supervise(app: FastAPI, user: str, status: int) -> None:
    b = _login(app, user)
    assert b.client.get("/dashboard").status_code == status
    assert b.client.get("/dashboard/data/kpis").status_code == status


def test_dashboard_anonymous_goes_to_login(app: FastAPI) -> None:
    response = Browser(app).client.get("/dashboard/data/heatmap")
    assert response.status_code in (302, 303, 401)


def test_dashboard_cache_recomputes_after_new_data(app: FastAPI, history: Any) -> None:
    factory = app.state.desk.factory
    cache = data.DashboardCache(factory, fresh_s=0.0, cost_factor=0.0, probe_s=0.0)
    app.state.dashboard_cache = cache
    app.state.dashboard_cfg = MetricsConfig()
    leader = _login(app, "leader")
    assert _tiles(leader)["warnings"]["value"] == 3
    computed = app.state.dashboard_cache.computed
    assert _tiles(leader)["warnings"]["value"] == 3
    assert app.state.dashboard_cache.computed == computed  # same data: served from the cache
    City(factory).warning(dt.datetime(2026, 3, 2, 7, 0), station="S2")
    # the data changed: the stale answer is served once while a thread recomputes it
    assert _tiles(leader)["warnings"]["value"] in (3, 4)
    deadline = time.monotonic() + 10
    while _tiles(leader)["warnings"]["value"] != 4:
        assert time.monotonic() < deadline, "the stale answer was never refreshed"
        time.sleep(0.05)


def test_dashboard_cache_serves_fresh_answers_without_asking_the_database(app: FastAPI) -> None:
    cache = data.DashboardCache(app.state.desk.factory, fresh_s=60.0)
    calls: list[int] = []

    def compute(_session: Any) -> int:
        calls.append(1)
        return len(calls)

    with app.state.desk.factory() as s:
        assert [cache.get(s, "k", compute) for _ in range(3)] == [1, 1, 1]
        assert cache.get(s, "other", compute) == 2
    assert len(calls) == 2


def test_dashboard_parse_query_periods() -> None:
    today = dt.date(2026, 3, 2)
    assert data.parse_query({}, today).period.label == "2026-03"
    assert data.parse_query({"period": "last_month"}, today).period.label == "2026-02"
    assert data.parse_query({"period": "this_year"}, today).period.label == "2026"
    custom = data.parse_query({"period": "custom", "from": "2026-01-05", "to": "2026-01-11"}, today)
    assert (custom.period.start, custom.period.end) == (
        dt.datetime(2026, 1, 5),
        dt.datetime(2026, 1, 12),
    )
    bad = data.parse_query({"period": "custom", "from": "2026-01-11", "to": "x"}, today)
    assert (bad.choice, bad.period.label) == ("this_month", "2026-03")
    scoped = data.parse_query({"station": "S2"}, today, forced_station="S1")
    assert scoped.station == "S1"
    assert data.default_grain(data.parse_query({"period": "this_year"}, today).period) is (
        Grain.MONTH
    )


def test_dashboard_labels_simulated_history(app: FastAPI) -> None:
    config = HistoryConfig(residents=2000, months=1, end=dt.datetime(2026, 3, 2, 9, 0))
    simulate_history(app.state.desk.engine, config)
    html = _login(app, "leader").client.get("/dashboard").text
    assert 'id="simulated"' in html and "模拟历史" in html


def test_dashboard_page_reuses_the_rendered_content(
    app: FastAPI, history: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    real = page._body

    def counting(charts: Any, q: Any, answers: Any) -> Any:
        calls.append(charts.lang)
        return real(charts, q, answers)

    monkeypatch.setattr(page, "_body", counting)
    monkeypatch.setattr(page, "_BODIES", page._BodyMemo())
    leader = _login(app, "leader")
    first = leader.client.get("/dashboard").text
    second = leader.client.get("/dashboard").text
    assert calls == ["zh"] and 'data-kpi="warnings"' in second
    assert first.count("预警准确率") == second.count("预警准确率")
    leader.client.get("/lang/en")
    assert "Warning accuracy" in leader.client.get("/dashboard").text
    assert calls == ["zh", "en"]
    leader.client.get("/dashboard?station=S2")
    assert len(calls) == 3


def test_dashboard_warm_up_computes_the_default_views_before_anyone_asks(
    app: FastAPI, history: Any
) -> None:
    computed = page.warm_up(app.state.desk, app.state)
    assert computed >= 2 * 8  # this month and this year: tiles, trend, breakdowns, ranking, ...
    cache: data.DashboardCache = app.state.dashboard_cache
    before = cache.computed
    leader = _login(app, "leader")
    assert leader.client.get("/dashboard").status_code == 200
    assert leader.client.get("/dashboard?period=this_year").status_code == 200
    assert _tiles(leader)["warnings"]["value"] == 3
    assert cache.computed == before  # every answer came from the warm-up
    assert leader.client.get("/dashboard?period=last_month").status_code == 200
    assert cache.computed > before  # a view not warmed is computed on demand
