"""The simulated desk history: deterministic, plausible, labelled, and never written twice."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from fanzha.errors import ConflictError
from fanzha.sim.history import HistoryConfig, simulate_history
from fanzha.store.database import make_engine, upgrade
from fanzha.workflow.action.models import Action
from fanzha.workflow.case.models import Case, CaseAccount
from fanzha.workflow.outcome.models import Outcome
from fanzha.workflow.warning.models import EarlyWarning

END = dt.datetime(2026, 3, 20, 10, 0)
CONFIG = HistoryConfig(residents=40_000, months=2, seed=5, end=END)


def _store(tmp_path: Path, name: str) -> Engine:
    url = f"sqlite:///{tmp_path / name}"
    upgrade(url)
    return make_engine(url)


def _rows(engine: Engine) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        query = select(
            EarlyWarning.resident_id,
            EarlyWarning.warned_at,
            EarlyWarning.level,
            EarlyWarning.fraud_type,
            EarlyWarning.outcome,
        ).order_by(EarlyWarning.id)
        return [tuple(r) for r in conn.execute(query)]


def _count(engine: Engine, model: object, *where: object) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(model).where(*where)) or 0)  # type: ignore[arg-type]


def test_history_is_deterministic_by_seed(tmp_path: Path) -> None:
    first, second = _store(tmp_path, "a.db"), _store(tmp_path, "b.db")
    simulate_history(first, CONFIG)
    simulate_history(second, CONFIG)
    assert _rows(first) == _rows(second)
    other = _store(tmp_path, "c.db")
    simulate_history(other, HistoryConfig(residents=40_000, months=2, seed=6, end=END))
    assert _rows(other) != _rows(first)


def test_history_volumes_and_shares_are_plausible(tmp_path: Path) -> None:
    engine = _store(tmp_path, "h.db")
    summary = simulate_history(engine, CONFIG)
    days = (summary.end - summary.start).days
    expected = CONFIG.residents * CONFIG.warnings_per_resident_year * days / 365
    assert abs(summary.warnings - expected) < 0.05 * expected
    assert 2.5 < summary.actions / summary.warnings < 3.5
    assert 1.1 < summary.outcomes / summary.warnings < 1.4
    with engine.connect() as conn:
        outcomes = select(EarlyWarning.outcome, func.count()).group_by(EarlyWarning.outcome)
        by_outcome = {row[0]: row[1] for row in conn.execute(outcomes)}
        hour = func.strftime("%H", EarlyWarning.warned_at)
        hours = {row[0]: row[1] for row in conn.execute(select(hour, func.count()).group_by(hour))}
    dissuaded = by_outcome["dissuaded"] + by_outcome["self_protected"]
    assert dissuaded > by_outcome["mismatch"] > by_outcome["defrauded"] > 0
    assert hours["10"] > 3 * hours["03"]  # the daily rhythm: day busy, night quiet
    assert _count(engine, EarlyWarning, EarlyWarning.breached_at.is_not(None)) > 0
    assert _count(engine, EarlyWarning, EarlyWarning.warned_at > END) == 0


def test_history_has_cases_of_the_previous_year_and_a_money_trail(tmp_path: Path) -> None:
    engine = _store(tmp_path, "h.db")
    summary = simulate_history(engine, CONFIG)
    year_before = Case.reported_at < summary.start
    assert _count(engine, Case, year_before) > _count(engine, Case, ~year_before) > 0
    assert _count(engine, Case, Case.warning_id.is_not(None)) > 0  # warned, then defrauded
    assert _count(engine, CaseAccount, CaseAccount.frozen_fen > 0) > 0
    assert _count(engine, CaseAccount, CaseAccount.returned_fen > 0) > 0
    assert _count(engine, Case, Case.solved.is_(True), Case.arrests > 0) > 0


def test_history_refuses_a_second_run_unless_replaced(tmp_path: Path) -> None:
    engine = _store(tmp_path, "h.db")
    first = simulate_history(engine, CONFIG)
    with pytest.raises(ConflictError, match="--replace"):
        simulate_history(engine, CONFIG)
    again = simulate_history(engine, CONFIG, replace=True)
    assert _count(engine, EarlyWarning) == first.warnings == again.warnings
    assert _count(engine, Action) == first.actions
    assert _count(engine, Outcome) == first.outcomes
    assert _count(engine, Case) == first.cases
