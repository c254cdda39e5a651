"""What the pages show of restrictions: rows with their appeals, the pending appeal and age."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from fanzha.workflow.restriction import service
from fanzha.workflow.restriction.models import Appeal, Restriction


@dataclass(frozen=True)
class RestrictionRow:
    """A restriction as the pages show it: with its appeals, the pending one and its age."""

    restriction: Restriction
    appeals: list[Appeal]
    pending: Appeal | None
    age: str


def format_age(delta: dt.timedelta) -> str:
    """``3d 4h``, ``5h 10m`` or ``12m``: how long a restriction has stood."""
    minutes = max(int(delta.total_seconds() // 60), 0)
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    return f"{hours}h {mins}m" if hours else f"{mins}m"


def restriction_rows(
    db: Session, restrictions: list[Restriction], now: dt.datetime
) -> list[RestrictionRow]:
    """Rows for the pages (one query for all appeals)."""
    appeals = service.appeals_of(session=db, restriction_ids=[r.id for r in restrictions])
    rows = []
    for r in restrictions:
        mine = appeals.get(r.id, [])
        pending = next((a for a in mine if a.decision is None), None)
        end = r.lifted_at or now
        rows.append(RestrictionRow(r, mine, pending, format_age(end - r.requested_at)))
    return rows


def of_warning(db: Session, warning_id: int, now: dt.datetime) -> list[RestrictionRow]:
    """The rows of one warning's restrictions (the caller has checked the warning's scope)."""
    return restriction_rows(db, service.of_warning(session=db, warning_id=warning_id), now)
