"""Retention of the roster: a volunteer who left before the cutoff loses name and phone.

Called by :func:`fanzha.workflow.retention.flows.purge` like warnings and cases: the ids due
are listed once, then purged batch by batch and marked in ``retention_purged`` (table
``volunteers``), so a run is idempotent. What stays: category, station, community, team and
the dates (the counts of active volunteers per month do not change).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from fanzha.workflow.retention.models import PurgedRow
from fanzha.workflow.volunteer.models import Team, Volunteer

__all__ = ["PURGED_NAME", "count_due", "due_volunteers", "purge_volunteers"]

PURGED_NAME = "（已清除）"


def _due(cutoff: dt.datetime) -> tuple[object, ...]:
    return (
        Volunteer.active.is_(False),
        Volunteer.left_on.is_not(None),
        Volunteer.left_on < cutoff.date(),
        ~exists().where(PurgedRow.table_name == "volunteers", PurgedRow.row_id == Volunteer.id),
    )


def due_volunteers(
    *, session: Session, cutoff: dt.datetime, among: list[int] | None = None
) -> list[int]:
    """Ids of volunteers who left before the cutoff and are not purged yet."""
    query = select(Volunteer.id).where(*_due(cutoff))  # type: ignore[arg-type]
    if among is not None:
        query = query.where(Volunteer.id.in_(among))
    return list(session.scalars(query.order_by(Volunteer.id)))


def count_due(*, session: Session, cutoff: dt.datetime) -> dict[str, int]:
    """How many volunteers a purge at this cutoff would purge."""
    query = select(func.count(Volunteer.id)).where(*_due(cutoff))  # type: ignore[arg-type]
    return {"volunteers": int(session.scalar(query) or 0)}


def purge_volunteers(
    *, session: Session, ids: list[int], run_id: int, now: dt.datetime
) -> Counter[str]:
    """Replace name and phone; a team they led keeps no leader."""
    counts: Counter[str] = Counter()
    for volunteer in session.scalars(select(Volunteer).where(Volunteer.id.in_(ids))):
        volunteer.name, volunteer.phone, volunteer.organisation = PURGED_NAME, None, ""
        counts["volunteers"] += 1
    for team in session.scalars(select(Team).where(Team.leader_id.in_(ids))):
        team.leader_id = None
    session.add_all(
        PurgedRow(table_name="volunteers", row_id=i, run_id=run_id, purged_at=now) for i in ids
    )
    session.flush()
    return counts
