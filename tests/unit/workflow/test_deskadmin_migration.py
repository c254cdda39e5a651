"""Migration 0006: stop-payments recorded before it get their restriction; it downgrades."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import Connection, inspect, text

from fanzha.store.database import alembic_config, make_engine, upgrade

_ACTION = (
    "INSERT INTO actions (warning_id, kind, at, actor, note, details) VALUES "
    "(1, :kind, '2026-03-02 10:05:00', 'user:3:boss', '', :details)"
)


def _warning(conn: Connection) -> None:
    conn.execute(
        text(
            "INSERT INTO warnings (id, resident_id, episode_start, warned_at, last_signal_at,"
            " level, level_history, fraud_type, score, reasons, n_signals, rules_version, engine,"
            " source, status, created_at, updated_at, version_id) VALUES (1, 'R1',"
            " '2026-03-02 10:00', '2026-03-02 10:00', '2026-03-02 10:00', 3, '[]', 'romance', 5,"
            " '[]', 1, 'v', 'duckdb', 'detection', 'in_progress', '2026-03-02 10:00',"
            " '2026-03-02 10:00', 1)"
        )
    )


def test_existing_stop_payments_become_active_restrictions(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0005_cases")
    engine = make_engine(url)
    with engine.begin() as conn:
        _warning(conn)
        details = '{"reason": "r", "notice": "n", "appeal_channel": "96110"}'
        conn.execute(text(_ACTION), {"kind": "stop_payment", "details": details})
        conn.execute(text(_ACTION), {"kind": "call", "details": "{}"})
    upgrade(url)
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT warning_id, resident_id, appeal_channel, status, requested_by"
                " FROM restrictions"
            )
        ).all()
    assert [tuple(r) for r in rows] == [(1, "R1", "96110", "active", "user:3:boss")]
    engine.dispose()


def test_downgrade_removes_the_tables_and_columns(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'w.db'}"
    upgrade(url)
    command.downgrade(alembic_config(url), "0005_cases")
    engine = make_engine(url)
    names = set(inspect(engine).get_table_names())
    assert not names & {"restrictions", "restriction_appeals", "login_failures"}
    columns = {c["name"] for c in inspect(engine).get_columns("api_keys")}
    assert "revoked_at" not in columns and "active" in columns
    engine.dispose()
