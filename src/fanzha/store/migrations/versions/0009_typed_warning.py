"""Typed warning record: stored reasons and level history rewritten to the one form.

Before this, desk intake and the simulated history wrote level history as ``{"time": …}``
(ISO with ``T``) and detection as ``{"at": …}`` (ISO with a space); reasons had either time
form and counterparts as numbers or text. After it, every row has what
``fanzha.core.warning_record`` writes: history ``{"level", "at"}`` in level order, the earliest
time per level; reasons with ISO ``T`` times, no empty or default fields, and ``is_open``
derived from ``status`` (open unless ``closed`` or ``transferred``).

The conversion is written out here, not imported, so that this revision keeps meaning the
same thing when the record grows. A row that cannot be converted (a history entry without a
time, a reason with an unknown field) stops the upgrade with its warning id: nothing is dropped.
The downgrade leaves the data in the new form, which the code before it also reads.

Revision ID: 0009_typed_warning
Revises: 0008_reporting
Create Date: 2026-12-04
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0009_typed_warning"
down_revision = "0008_reporting"
branch_labels = None
depends_on = None

BATCH = 1000
CLOSED = ("closed", "transferred")
REASON_FIELDS = (
    "time",
    "kind",
    "weight",
    "level_floor",
    "fraud_type",
    "counterpart",
    "detail",
    "evidence",
    "source",
    "score_after",
    "level_after",
    "matched_by",
    "purged",
)
DEFAULTS: dict[str, Any] = {"weight": 0.0, "level_floor": 0, "purged": False}

warnings = sa.table(
    "warnings",
    sa.column("id", sa.Integer),
    sa.column("warned_at", sa.DateTime),
    sa.column("level_history", sa.JSON),
    sa.column("reasons", sa.JSON),
    sa.column("status", sa.String),
    sa.column("is_open", sa.Boolean),
)


class UnconvertibleRowError(RuntimeError):
    """A stored warning whose reasons or history cannot be brought to the one form."""


def _iso(value: Any, warning_id: int) -> str:
    try:
        when = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    except ValueError as exc:
        raise UnconvertibleRowError(f"warning {warning_id}: bad time {value!r}") from exc
    return when.replace(tzinfo=None).isoformat()


def convert_history(entries: list[dict[str, Any]] | None, warning_id: int) -> list[dict[str, Any]]:
    """``{"time"|"at", "level"}`` entries → ``{"level", "at"}``, earliest per level, in order."""
    first: dict[int, str] = {}
    for entry in entries or []:
        when = entry.get("at") or entry.get("time")
        if when is None or entry.get("level") is None:
            raise UnconvertibleRowError(f"warning {warning_id}: history entry {entry!r}")
        level, at = int(entry["level"]), _iso(when, warning_id)
        if level not in first or at < first[level]:
            first[level] = at
    return [{"level": level, "at": first[level]} for level in sorted(first)]


def convert_reason(reason: dict[str, Any], warning_id: int, warned_at: Any) -> dict[str, Any]:
    """One reason in the one form (a reason without a time takes the warning's)."""
    unknown = sorted(set(reason) - set(REASON_FIELDS))
    if unknown:
        raise UnconvertibleRowError(f"warning {warning_id}: unknown reason fields {unknown}")
    out: dict[str, Any] = {}
    for key in REASON_FIELDS:
        value = reason.get(key)
        if value is None or (key in DEFAULTS and value == DEFAULTS[key]):
            continue
        if key == "time":
            value = _iso(value, warning_id)
        elif key == "counterpart":
            value = _counterpart(value, warning_id)
        out[key] = value
    if "time" not in out:
        out["time"] = _iso(warned_at, warning_id)
    return out


def _counterpart(value: Any, warning_id: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise UnconvertibleRowError(f"warning {warning_id}: counterpart {value!r}") from exc


def _convert_batch(conn: sa.Connection, after: int) -> int | None:
    rows = conn.execute(
        sa.select(warnings.c.id, warnings.c.warned_at, warnings.c.level_history, warnings.c.reasons)
        .where(warnings.c.id > after)
        .order_by(warnings.c.id)
        .limit(BATCH)
    ).all()
    for wid, warned_at, history, reasons in rows:
        new_history = convert_history(history, wid)
        new_reasons = [convert_reason(r, wid, warned_at) for r in reasons or []]
        if new_history != history or new_reasons != reasons:
            conn.execute(
                sa.update(warnings)
                .where(warnings.c.id == wid)
                .values(level_history=new_history, reasons=new_reasons)
            )
    return int(rows[-1][0]) if rows else None


def upgrade() -> None:
    conn = op.get_bind()
    after: int | None = 0
    while after is not None:
        after = _convert_batch(conn, after)
    closed = warnings.c.status.in_(CLOSED)
    conn.execute(sa.update(warnings).where(closed).values(is_open=False))
    conn.execute(sa.update(warnings).where(~closed).values(is_open=True))


def downgrade() -> None:
    pass
