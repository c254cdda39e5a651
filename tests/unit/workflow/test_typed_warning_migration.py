"""Migration 0009: stored reasons and level history rewritten to the one typed form."""

from __future__ import annotations

import json
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import SQLAlchemyError

from fanzha.store.database import alembic_config, make_engine, session_factory, upgrade
from fanzha.workflow.warning.models import EarlyWarning, LevelStep, WarningStatus

_INSERT = (
    "INSERT INTO warnings (id, resident_id, episode_start, warned_at, last_signal_at, level,"
    " level_history, fraud_type, score, reasons, n_signals, rules_version, engine, source,"
    " status, is_open, created_at, updated_at, version_id) VALUES (:id, :rid,"
    " '2026-03-02 10:00:00', '2026-03-02 10:00:00', '2026-03-02 10:00:00', :level, :history,"
    " 'romance', 5, :reasons, 1, 'v', 'duckdb', 'detection', :status, :is_open,"
    " '2026-03-02 10:00:00', '2026-03-02 10:00:00', 1)"
)

LEAD_THEN_DETECTION = [
    {"time": "2026-03-02T10:00:00", "level": 2},  # desk intake's old form
    {"level": 3, "at": "2026-03-02 10:30:00"},  # detection's old form
    {"level": 2, "at": "2026-03-02 10:20:00"},  # a later time for level 2: the earlier stays
]
OLD_REASONS = [
    {  # detection's old form: space-separated time, every field, counterpart as a number
        "time": "2026-03-02 10:30:00",
        "kind": "indicator_call",
        "weight": 3.5,
        "level_floor": 0,
        "fraud_type": "romance",
        "counterpart": 8617012345678,
        "detail": "duration_s=600",
        "source": "national",
        "score_after": 3.5,
        "level_after": 3,
    },
    {  # desk intake's old form
        "kind": "upstream_lead",
        "time": "2026-03-02T10:00:00",
        "weight": 1.0,
        "fraud_type": "romance",
        "matched_by": None,
        "evidence": "bank 123",
    },
    {"kind": "fraud_call", "counterpart": "8613900000001"},  # no time, counterpart as text
]


def _insert(engine: Engine, wid: int, status: str, is_open: bool, **kw: Any) -> None:
    values = {
        "id": wid,
        "rid": f"R{wid}",
        "level": 3,
        "history": json.dumps(kw.get("history", LEAD_THEN_DETECTION)),
        "reasons": json.dumps(kw.get("reasons", OLD_REASONS)),
        "status": status,
        "is_open": is_open,
    }
    with engine.begin() as conn:
        conn.execute(text(_INSERT), values)


def _stored(engine: Engine, wid: int) -> tuple[Any, Any, bool]:
    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT level_history, reasons, is_open FROM warnings WHERE id = :id"),
            {"id": wid},
        ).one()
    history, reasons = (json.loads(v) if isinstance(v, str) else v for v in row[:2])
    return history, reasons, bool(row[2])


@pytest.fixture
def old_db(empty_db_url: str) -> str:
    upgrade(empty_db_url, "0008_reporting")
    return empty_db_url


def test_migration_0009_rewrites_history_and_reasons(old_db: str) -> None:
    engine = make_engine(old_db)
    _insert(engine, 1, "in_progress", True)
    upgrade(old_db)
    history, reasons, _ = _stored(engine, 1)
    assert history == [
        {"level": 2, "at": "2026-03-02T10:00:00"},
        {"level": 3, "at": "2026-03-02T10:30:00"},
    ]
    assert reasons == [
        {
            "time": "2026-03-02T10:30:00",
            "kind": "indicator_call",
            "weight": 3.5,
            "fraud_type": "romance",
            "counterpart": 8617012345678,
            "detail": "duration_s=600",
            "source": "national",
            "score_after": 3.5,
            "level_after": 3,
        },
        {
            "time": "2026-03-02T10:00:00",
            "kind": "upstream_lead",
            "weight": 1.0,
            "fraud_type": "romance",
            "evidence": "bank 123",
        },
        {"time": "2026-03-02T10:00:00", "kind": "fraud_call", "counterpart": 8613900000001},
    ]
    with session_factory(engine)() as session:
        warning = session.scalars(select(EarlyWarning)).one()
    assert warning.level_history[0] == LevelStep.model_validate(
        {"level": 2, "at": "2026-03-02T10:00"}
    )
    assert [r.kind for r in warning.reasons] == ["indicator_call", "upstream_lead", "fraud_call"]
    engine.dispose()


def test_migration_0009_derives_is_open_from_status(old_db: str) -> None:
    engine = make_engine(old_db)
    for wid, status in enumerate(WarningStatus, start=1):
        _insert(engine, wid, status.value, is_open=not status.is_open)  # every one wrong
    upgrade(old_db)
    for wid, status in enumerate(WarningStatus, start=1):
        assert _stored(engine, wid)[2] is status.is_open, status
    engine.dispose()


def test_migration_0009_refuses_what_it_cannot_convert(old_db: str) -> None:
    engine = make_engine(old_db)
    _insert(engine, 7, "routed", True, history=[{"level": 2}])
    with pytest.raises((SQLAlchemyError, RuntimeError), match="warning 7"):
        upgrade(old_db)
    assert _stored(engine, 7)[0] == [{"level": 2}]  # nothing half-written
    engine.dispose()


def test_migration_0009_downgrades_keeping_the_new_form(old_db: str) -> None:
    engine = make_engine(old_db)
    _insert(engine, 1, "routed", True)
    upgrade(old_db)
    command.downgrade(alembic_config(old_db), "0008_reporting")
    assert _stored(engine, 1)[0][0] == {"level": 2, "at": "2026-03-02T10:00:00"}
    engine.dispose()
