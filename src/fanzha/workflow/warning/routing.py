"""Routing: to the station owning the resident's community, then the least-loaded officer.

A warning whose station is unknown and whose community no station owns stays in the centre
queue (``station`` is NULL) for the centre to transfer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from fanzha.errors import WorkflowError
from fanzha.notify import Channel
from fanzha.workflow.audit import service as audit
from fanzha.workflow.roles import SYSTEM, Principal
from fanzha.workflow.station import service as stations
from fanzha.workflow.station.models import Station
from fanzha.workflow.tier.service import TierConfig, assign_tiers
from fanzha.workflow.user import service as users
from fanzha.workflow.warning.matching import ResidentMatcher
from fanzha.workflow.warning.models import EarlyWarning, WarningStatus
from fanzha.workflow.warning.sla import SlaMinutes, reset_clock


@dataclass(frozen=True)
class DeskConfig:
    """What the flows need from settings: SLA minutes, officer capacity, a channel.

    ``matcher`` matches hand-entered and pushed leads to residents (none: no matching).
    """

    sla: SlaMinutes
    capacity: int = 30
    channel: Channel | None = field(default=None, compare=False)
    matcher: ResidentMatcher | None = field(default=None, compare=False)
    tiers: TierConfig | None = field(default=None, compare=False)  # docs/tiers.md


def resolve_station(*, session: Session, warning: EarlyWarning) -> str | None:
    """The active station that owns the warning, or ``None`` (centre queue)."""
    named = session.get(Station, warning.station) if warning.station else None
    if named is not None and named.active:
        return named.code
    return stations.station_of_community(session=session, community=warning.community)


def officer_loads(*, session: Session, station: str) -> dict[int, tuple[int, int]]:
    """For each on-duty officer of ``station``: (open warnings assigned, capacity)."""
    officers = users.officers_of(session=session, station=station)
    if not officers:
        return {}
    ids = [o.id for o in officers]
    rows = session.execute(
        select(EarlyWarning.assignee_id, func.count())
        .where(EarlyWarning.is_open.is_(True), EarlyWarning.assignee_id.in_(ids))
        .group_by(EarlyWarning.assignee_id)
    )
    counts = {int(uid): int(n) for uid, n in rows if uid is not None}
    return {o.id: (counts.get(o.id, 0), o.capacity or 0) for o in officers}


def pick_officer(loads: dict[int, tuple[int, int]], default_capacity: int) -> int | None:
    """The least-loaded officer still under capacity (lowest id on ties), or ``None``."""
    free = [(load, uid) for uid, (load, cap) in loads.items() if load < (cap or default_capacity)]
    return min(free)[1] if free else None


def route(
    *,
    session: Session,
    warning: EarlyWarning,
    config: DeskConfig,
    now: dt.datetime,
    loads: dict[str, dict[int, tuple[int, int]]] | None = None,
) -> None:
    """Route one new warning: station, officer, SLA clock; audited."""
    station = resolve_station(session=session, warning=warning)
    warning.station = station
    warning.status = WarningStatus.ROUTED
    warning.routed_at = now
    reset_clock(warning, config.sla)
    if station is not None:
        cache = loads if loads is not None else {}
        if station not in cache:
            cache[station] = officer_loads(session=session, station=station)
        officer = pick_officer(cache[station], config.capacity)
        warning.assignee_id = officer
        if officer is not None:
            load, cap = cache[station][officer]
            cache[station][officer] = (load + 1, cap)
    audit.append(
        session=session,
        actor=SYSTEM.label,
        action="route",
        object_type="warning",
        object_id=warning.id,
        at=now,
        detail={"station": station, "assignee_id": warning.assignee_id},
    )


def route_new(*, session: Session, config: DeskConfig, now: dt.datetime, batch: int = 500) -> int:
    """Route up to ``batch`` warnings in status ``new``; return how many.

    Cheap when there is nothing to route (one probe of ``ix_warnings_status``), so the tick can
    run often. Several server processes tick: on PostgreSQL each takes rows the others have not
    locked (``SKIP LOCKED``); on SQLite the router first takes the database's write lock, so a
    second process waits and then finds the rows routed instead of routing them twice.
    """
    query = select(EarlyWarning.id).where(EarlyWarning.status == WarningStatus.NEW)
    if session.scalar(query.limit(1)) is None:
        return 0
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("UPDATE warnings SET id = id WHERE id = -1"))
    new = EarlyWarning.status == WarningStatus.NEW
    rows = select(EarlyWarning).where(new).order_by(EarlyWarning.id)
    pending = list(session.scalars(rows.limit(batch).with_for_update(skip_locked=True)))
    loads: dict[str, dict[int, tuple[int, int]]] = {}
    for warning in pending:
        route(session=session, warning=warning, config=config, now=now, loads=loads)
    session.flush()
    if config.tiers is not None:
        untiered = [w for w in pending if w.tier is None]
        assign_tiers(session, config.tiers, warnings=untiered, now=now)
    return len(pending)


def reassign(
    *, session: Session, principal: Principal, warning: EarlyWarning, user_id: int | None
) -> str:
    """Check that ``user_id`` may hold the warning and assign it; return the new holder."""
    if user_id is None:
        warning.assignee_id = None
        return "—"
    user = users.get(session=session, user_id=user_id)
    if not user.active or (user.station_code or None) != (warning.station or None):
        raise WorkflowError("the officer does not serve this warning's station", user=user_id)
    warning.assignee_id = user.id
    return user.username
