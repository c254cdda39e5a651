"""The dashboard's own queries (heat map, data version) and the simulated history, on SQLite
and PostgreSQL — the web tests run on SQLite only."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session, sessionmaker

from fanzha.reporting import dashboard
from fanzha.reporting.config import MetricsConfig
from fanzha.sim.history import HistoryConfig, simulate_history
from fanzha.workflow.case.models import Case
from fanzha.workflow.warning.models import EarlyWarning
from tests.unit.reporting.support import City

TODAY = dt.date(2026, 3, 2)


def test_dashboard_heatmap_hours_and_weekdays(factory: sessionmaker[Session], city: City) -> None:
    city.warning(dt.datetime(2026, 3, 1, 23, 59))  # a Sunday
    city.warning(dt.datetime(2026, 3, 2, 0, 0), station="S02")  # a Monday
    city.warning(dt.datetime(2026, 3, 2, 0, 30), fraud_type="romance/crypto")
    city.case(dt.datetime(2026, 3, 6, 14, 0))  # a Friday
    q = dashboard.parse_query({}, TODAY)
    with factory() as s:
        heat = dashboard.heatmap(s, q)
        romance = dashboard.heatmap(s, dashboard.parse_query({"type": "romance"}, TODAY))
        s02 = dashboard.heatmap(s, dashboard.parse_query({"station": "S02"}, TODAY))
    assert sorted(heat["warnings"]) == [[0, 0, 2], [23, 6, 1]]
    assert heat["cases"] == [[14, 4, 1]]
    assert romance["warnings"] == [[0, 0, 1]] and romance["cases"] == []
    assert s02["warnings"] == [[0, 0, 1]]


def test_dashboard_data_version_moves_with_new_rows(
    factory: sessionmaker[Session], city: City
) -> None:
    with factory() as s:
        before = dashboard.data_version(s)
    city.case(dt.datetime(2026, 3, 6, 14, 0))
    with factory() as s:
        assert dashboard.data_version(s) != before


def test_simulated_history_on_both_databases(factory: sessionmaker[Session]) -> None:
    engine = factory.kw["bind"]
    end = dt.datetime(2026, 3, 2, 12, 0)
    summary = simulate_history(engine, HistoryConfig(residents=8000, months=2, end=end))
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(EarlyWarning)) == summary.warnings
        assert dashboard.has_simulated_history(s)
        february = dashboard.parse_query({"period": "last_month"}, TODAY)
        tiles = dashboard.kpis(s, february, MetricsConfig(), end)
    by_key = {t["key"]: t for t in tiles["tiles"]}
    assert by_key["warnings"]["value"] > 0
    assert 0.3 < (by_key["accuracy"]["value"] or 0) < 0.9
    with factory.begin() as s:  # explicit ids were written: the id sequences moved past them
        s.execute(
            insert(Case).values(
                case_no="NEW-1",
                reported_at=end,
                fraud_type="other",
                loss_fen=0,
                solved=False,
                arrests=0,
                source="manual",
                note="",
                created_at=end,
                updated_at=end,
                version_id=1,
            )
        )
