"""Keyword-only queries over warnings, always within the principal's scope.

Scope is enforced here, in the one place every page and API call goes through: an object
outside the caller's station (or above a grid worker's levels) is *not found*, not forbidden,
so its existence is not disclosed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session

from fanzha.errors import NotFoundError
from fanzha.workflow.action.models import Action
from fanzha.workflow.outcome.models import Outcome
from fanzha.workflow.roles import Permission, Principal
from fanzha.workflow.warning.models import EarlyWarning, WarningStatus

STATUSES = tuple(s.value for s in WarningStatus)  # the queue's filter; open ones first
CENTRE = "_centre"  # station filter value: warnings with no station (centre queue)
AnySelect = Select[*tuple[Any, ...]]
_S = TypeVar("_S", bound=AnySelect)


@dataclass(frozen=True)
class QueueFilter:
    """Filters of the queue pages and the list API."""

    level: int | None = None
    status: str | None = None  # None = open ones; "all" = every status
    station: str | None = None  # a code or CENTRE
    fraud_type: str | None = None
    source: str | None = None
    assignee_id: int | None = None
    overdue: bool = False
    tier: str | None = None  # response tier (docs/tiers.md); "none" = not tiered yet


def scoped(query: _S, principal: Principal) -> _S:
    """Restrict a query over warnings to what ``principal`` may see."""
    principal.require(Permission.VIEW)
    if principal.station is not None:
        query = query.where(EarlyWarning.station == principal.station)
    if principal.max_level is not None:
        query = query.where(EarlyWarning.level <= int(principal.max_level))
    return query


def get(*, session: Session, principal: Principal, warning_id: int) -> EarlyWarning:
    """The warning if it exists and is in scope, else :class:`NotFoundError`."""
    query = scoped(select(EarlyWarning).where(EarlyWarning.id == warning_id), principal)
    warning: EarlyWarning | None = session.scalar(query)
    if warning is None:
        raise NotFoundError("no such warning", warning=warning_id)
    return warning


def queue(
    *,
    session: Session,
    principal: Principal,
    filters: QueueFilter,
    now: dt.datetime,
    limit: int = 50,
    offset: int = 0,
) -> list[EarlyWarning]:
    """Warnings in scope matching ``filters``, most urgent first (level, then deadline)."""
    query = _filtered(scoped(select(EarlyWarning), principal), filters, now)
    query = query.order_by(
        EarlyWarning.level.desc(), EarlyWarning.due_at.asc(), EarlyWarning.id.asc()
    )
    return list(session.scalars(query.limit(limit).offset(offset)))


def _filtered(query: _S, f: QueueFilter, now: dt.datetime) -> _S:
    w = EarlyWarning
    if f.status is None:
        query = query.where(w.is_open.is_(True))
    elif f.status != "all":
        query = query.where(w.status == f.status)
    if f.level is not None:
        query = query.where(w.level == f.level)
    if f.station == CENTRE:
        query = query.where(w.station.is_(None))
    elif f.station:
        query = query.where(w.station == f.station)
    if f.fraud_type:
        query = query.where(w.fraud_type == f.fraud_type)
    if f.source:
        query = query.where(w.source == f.source)
    if f.assignee_id is not None:
        query = query.where(w.assignee_id == f.assignee_id)
    if f.overdue:
        query = query.where(w.is_open.is_(True), w.due_at < now)
    if f.tier:
        query = query.where(w.tier.is_(None) if f.tier == "none" else w.tier == f.tier)
    return query


def overdue(
    *, session: Session, principal: Principal, now: dt.datetime, limit: int = 200
) -> list[EarlyWarning]:
    """Open warnings past their deadline (超期未劝阻), the longest overdue first."""
    query = scoped(select(EarlyWarning), principal).where(
        EarlyWarning.is_open.is_(True), EarlyWarning.due_at < now
    )
    return list(session.scalars(query.order_by(EarlyWarning.due_at).limit(limit)))


def counts_by_level(*, session: Session, principal: Principal, now: dt.datetime) -> dict[str, int]:
    """Open warnings per level and how many are overdue, for the queue header."""
    return counts_in_scope(open_counts(session=session, now=now), principal)


OpenCounts = dict[tuple[str | None, int], tuple[int, int]]


def open_counts(*, session: Session, now: dt.datetime) -> OpenCounts:
    """For every (station, level): open warnings and how many of them are overdue.

    One pass over the open warnings serves every scope (see :func:`counts_in_scope`), so the
    desk can keep it in a cache that all users share.
    """
    w = EarlyWarning
    query = (
        select(w.station, w.level, func.count(), func.sum(case((w.due_at < now, 1), else_=0)))
        .where(w.is_open.is_(True))
        .group_by(w.station, w.level)
    )
    return {(st, int(lv)): (int(n), int(late or 0)) for st, lv, n, late in session.execute(query)}


def counts_in_scope(counts: OpenCounts, principal: Principal) -> dict[str, int]:
    """Per-level open counts and the overdue total of what ``principal`` may see (the same
    scope as :func:`scoped`)."""
    principal.require(Permission.VIEW)
    result = {"overdue": 0}
    for (station, level), (n, late) in counts.items():
        if principal.station is not None and station != principal.station:
            continue
        if principal.max_level is not None and level > int(principal.max_level):
            continue
        result[str(level)] = result.get(str(level), 0) + n
        result["overdue"] += late
    return result


QUEUE_COLUMNS = (
    EarlyWarning.id,
    EarlyWarning.level,
    EarlyWarning.fraud_type,
    EarlyWarning.phone,
    EarlyWarning.station,
    EarlyWarning.status,
    EarlyWarning.due_at,
    EarlyWarning.due_stage,
    EarlyWarning.warned_at,
)


def queue_rows(
    *,
    session: Session,
    principal: Principal,
    filters: QueueFilter,
    now: dt.datetime,
    limit: int = 50,
    offset: int = 0,
) -> list[Any]:
    """Like :func:`queue`, as plain rows of :data:`QUEUE_COLUMNS` (what the queue page shows):
    no ORM objects, no JSON columns to decode."""
    query = _filtered(scoped(select(*QUEUE_COLUMNS), principal), filters, now)
    query = query.order_by(
        EarlyWarning.level.desc(), EarlyWarning.due_at.asc(), EarlyWarning.id.asc()
    )
    return list(session.execute(query.limit(limit).offset(offset)))


def actions_of(*, session: Session, warning_id: int) -> list[Action]:
    """The actions on a warning, oldest first."""
    query = select(Action).where(Action.warning_id == warning_id).order_by(Action.at, Action.id)
    return list(session.scalars(query))


def outcomes_of(*, session: Session, warning_id: int) -> list[Outcome]:
    """The outcomes of a warning, oldest first."""
    query = select(Outcome).where(Outcome.warning_id == warning_id).order_by(Outcome.id)
    return list(session.scalars(query))


@dataclass(frozen=True)
class StationRank:
    """One line of the supervisor's station ranking."""

    station: str
    open: int
    overdue: int
    closed: int
    breached: int

    @property
    def on_time_rate(self) -> float | None:
        """Closed or open warnings that never missed a deadline ÷ all handled."""
        total = self.open + self.closed
        return None if total == 0 else 1 - self.breached / total


def station_ranking(
    *, session: Session, principal: Principal, now: dt.datetime
) -> list[StationRank]:
    """Per station: open, overdue, closed and breached counts; best on-time rate first."""
    principal.require(Permission.SUPERVISE)
    w = EarlyWarning
    query = scoped(
        select(
            w.station,
            func.sum(case((w.is_open.is_(True), 1), else_=0)),
            func.sum(case(((w.is_open.is_(True)) & (w.due_at < now), 1), else_=0)),
            func.sum(case((w.is_open.is_(False), 1), else_=0)),
            func.sum(case((w.breached_at.is_not(None), 1), else_=0)),
        ),
        principal,
    ).group_by(w.station)
    ranks = [
        StationRank(station or CENTRE, int(o or 0), int(d or 0), int(c or 0), int(b or 0))
        for station, o, d, c, b in session.execute(query)
    ]
    return sorted(ranks, key=lambda r: (-(r.on_time_rate or 0), r.overdue, r.station))
