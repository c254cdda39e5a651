"""SLA clocks: per-level deadlines for sign-for, first contact and the face-to-face visit.

The clock starts when the desk routes the warning (``routed_at``). The next deadline is the
first stage not yet done; a missed one is a breach, escalated once per stage to the centre
supervisors (see :func:`fanzha.workflow.warning.flows.sweep`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from enum import StrEnum

from fanzha.core.levels import Level
from fanzha.workflow.warning.models import EarlyWarning

SlaMinutes = Mapping[str, Sequence[int]]


class Stage(StrEnum):
    """The steps every open warning must reach in time."""

    SIGN = "sign"
    CONTACT = "contact"
    VISIT = "visit"


STAGES = (Stage.SIGN, Stage.CONTACT, Stage.VISIT)


def stage_minutes(level: int, sla: SlaMinutes) -> dict[Stage, int]:
    """Minutes allowed for each stage at ``level``."""
    steps = sla[Level(level).name.lower()]
    return dict(zip(STAGES, steps, strict=True))


def deadlines(level: int, start: dt.datetime, sla: SlaMinutes) -> dict[Stage, dt.datetime]:
    """The deadline of each stage for a clock started at ``start``."""
    return {
        stage: start + dt.timedelta(minutes=m) for stage, m in stage_minutes(level, sla).items()
    }


def done_at(warning: EarlyWarning, stage: Stage) -> dt.datetime | None:
    """When ``stage`` was reached, if it was."""
    return {
        Stage.SIGN: warning.signed_at,
        Stage.CONTACT: warning.contacted_at,
        Stage.VISIT: warning.visited_at,
    }[stage]


def next_deadline(
    warning: EarlyWarning, sla: SlaMinutes
) -> tuple[Stage | None, dt.datetime | None]:
    """The first stage not yet reached and its deadline; ``(None, None)`` if none is left."""
    if not warning.is_open or warning.routed_at is None:
        return None, None
    limits = deadlines(warning.level, warning.routed_at, sla)
    for stage in STAGES:
        if done_at(warning, stage) is None:
            return stage, limits[stage]
    return None, None


def reset_clock(warning: EarlyWarning, sla: SlaMinutes) -> None:
    """Recompute the next deadline after a change of level or progress."""
    stage, due = next_deadline(warning, sla)
    warning.due_stage = stage.value if stage else None
    warning.due_at = due
    warning.sla_level = warning.level


def remaining(due_at: dt.datetime | None, now: dt.datetime) -> dt.timedelta | None:
    """Time left to the deadline (negative when overdue)."""
    return None if due_at is None else due_at - now


def format_remaining(delta: dt.timedelta | None) -> str:
    """``1h05m``, ``-12m`` (overdue) or ``—``."""
    if delta is None:
        return "—"
    minutes = int(delta.total_seconds() // 60)
    sign = "-" if minutes < 0 else ""
    minutes = abs(minutes)
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{sign}{days}d{hours:02d}h"
    return f"{sign}{hours}h{mins:02d}m" if hours else f"{sign}{mins}m"
