"""Detected warnings taken into the workflow store: one per resident and episode."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from fanzha.detection.pipeline import DetectedWarning
from fanzha.store.database import make_engine, session_factory, transaction, upgrade
from fanzha.workflow.warning.from_detection import IntakeReport, take_in
from fanzha.workflow.warning.models import EarlyWarning

T0 = dt.datetime(2026, 11, 1, 9, 0)
GAP = dt.timedelta(hours=72)


@pytest.fixture
def factory(tmp_path: Path) -> sessionmaker[Session]:
    url = f"sqlite:///{tmp_path / 'wf.db'}"
    upgrade(url)
    return session_factory(make_engine(url))


def detected(level: int = 2, start: dt.datetime = T0, minutes: int = 0) -> DetectedWarning:
    last = start + dt.timedelta(minutes=minutes)
    return DetectedWarning(
        resident_id="PA",
        episode_start=start,
        warned_at=start,
        last_signal_at=last,
        level=level,
        level_history=[{"level": level, "at": start.isoformat(sep=" ")}],
        fraud_type="fake_investment",
        score=2.0 + minutes,
        n_signals=1,
        phone=8613800000001,
        community="C01",
        station="S1",
        reasons=[{"kind": "indicator_call", "time": start.isoformat(sep=" ")}],
    )


def take(factory: sessionmaker[Session], *items: DetectedWarning) -> IntakeReport:
    with transaction(factory) as session:
        return take_in(session, list(items), rules_version="r1", engine="duckdb", episode_gap=GAP)


def count(factory: sessionmaker[Session]) -> int:
    with factory() as session:
        return int(session.scalar(select(func.count()).select_from(EarlyWarning)) or 0)


def test_from_detection_rerun_changes_nothing(factory: sessionmaker[Session]) -> None:
    assert take(factory, detected()).created == 1
    again = take(factory, detected())
    assert (again.created, again.unchanged) == (0, 1)
    assert count(factory) == 1


def test_from_detection_stronger_signal_raises_the_open_warning(
    factory: sessionmaker[Session],
) -> None:
    take(factory, detected(level=2))
    later = dataclasses.replace(
        detected(level=4, minutes=30),
        level_history=[{"level": 4, "at": (T0 + dt.timedelta(minutes=30)).isoformat(sep=" ")}],
    )
    report = take(factory, later)
    assert report.raised == 1
    with factory() as session:
        [row] = session.scalars(select(EarlyWarning)).all()
    assert row.level == 4
    assert [h.level for h in row.level_history] == [2, 4]
    assert row.warned_at == T0


def test_from_detection_detection_never_lowers_a_level(factory: sessionmaker[Session]) -> None:
    take(factory, detected(level=3))
    report = take(factory, detected(level=1, minutes=5))
    assert report.refreshed == 1
    with factory() as session:
        assert session.scalars(select(EarlyWarning.level)).one() == 3


def test_from_detection_new_episode_after_the_gap_is_a_new_warning(
    factory: sessionmaker[Session],
) -> None:
    take(factory, detected())
    assert take(factory, detected(start=T0 + dt.timedelta(days=5))).created == 1
    assert count(factory) == 2
