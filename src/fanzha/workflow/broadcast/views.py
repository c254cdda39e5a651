"""What the desk shows of broadcast groups and broadcasts (:mod:`fanzha.notify.broadcast`).

A group's station is that of its community (a community code or name in ``communities``);
a group without a known community (a school's teacher or parent group of a district) has no
station and is seen by centre roles only. A station role sees its own station's groups, and
of a broadcast only the receipts and relays of those groups; a broadcast none of whose groups
is its station's is not found (404), as other stations' records are elsewhere.
Webhook URLs and DingTalk secrets are never part of a view.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from fanzha.errors import NotFoundError
from fanzha.notify import broadcast as notify_broadcast
from fanzha.notify.models import Broadcast, BroadcastGroup, OutboxRow, Relay
from fanzha.workflow.roles import Permission, Principal
from fanzha.workflow.station.models import Community

LATEST = 20  # broadcasts on the list page


@dataclass(frozen=True)
class GroupView:
    """A group as listed: where it is, whom it reaches, and its station (if known)."""

    id: int
    name: str
    area: str
    audience: str
    school: str | None
    grade: str | None
    community: str | None
    robot: str
    active: bool
    station: str | None


@dataclass(frozen=True)
class RelayView:
    """Who passed a broadcast on, in which group, and to how many people."""

    group_id: int
    group: str
    relayed_by: str
    reach: int | None
    at: dt.datetime


@dataclass(frozen=True)
class BroadcastView:
    """A broadcast with the receipts and relays of the groups in scope."""

    broadcast: Broadcast
    receipts: list[notify_broadcast.GroupReceipt]
    relays: list[RelayView]

    @property
    def reach(self) -> int:
        """People the relays in scope reached (as reported)."""
        return sum(r.reach for r in self.receipts)


def _stations(session: Session) -> dict[str, str]:
    """Community code and name → its station."""
    out: dict[str, str] = {}
    for c in session.scalars(select(Community)):
        out[c.name] = c.station_code
        out[c.code] = c.station_code  # a code wins over another community's equal name
    return out


def _view(group: BroadcastGroup, stations: dict[str, str]) -> GroupView:
    return GroupView(
        id=group.id,
        name=group.name,
        area=group.area,
        audience=group.audience,
        school=group.school,
        grade=group.grade,
        community=group.community,
        robot=group.robot,
        active=group.active,
        station=stations.get(group.community) if group.community else None,
    )


def list_groups(*, session: Session, principal: Principal) -> list[GroupView]:
    """Groups in scope (inactive ones too), by area, school, grade and name."""
    principal.require(Permission.PUBLICITY_VIEW)
    stations = _stations(session)
    query = select(BroadcastGroup).order_by(
        BroadcastGroup.area, BroadcastGroup.school, BroadcastGroup.grade, BroadcastGroup.name
    )
    views = [_view(g, stations) for g in session.scalars(query)]
    if principal.station is None:
        return views
    return [v for v in views if v.station == principal.station]


def _relays(session: Session, broadcast_id: int, groups: dict[int, GroupView]) -> list[RelayView]:
    query = select(Relay).where(Relay.broadcast_id == broadcast_id).order_by(Relay.at, Relay.id)
    return [
        RelayView(r.group_id, groups[r.group_id].name, r.relayed_by, r.reach, r.at)
        for r in session.scalars(query)
        if r.group_id in groups
    ]


def _broadcast_view(
    session: Session, item: Broadcast, groups: dict[int, GroupView]
) -> BroadcastView:
    receipts = [r for r in notify_broadcast.receipts(session, item.id) if r.group_id in groups]
    return BroadcastView(item, receipts, _relays(session, item.id, groups))


def _scoped_ids(session: Session, groups: dict[int, GroupView]) -> list[int]:
    """Broadcasts queued to at least one of ``groups``."""
    keys = [f"group:{gid}" for gid in groups]
    if not keys:
        return []
    query = (
        select(OutboxRow.subject_id)
        .where(OutboxRow.subject_type == "broadcast", OutboxRow.attempt_key.in_(keys))
        .distinct()
    )
    return [int(s) for s in session.scalars(query)]


def latest_broadcasts(
    *, session: Session, principal: Principal, limit: int = LATEST
) -> list[BroadcastView]:
    """The latest broadcasts in scope, newest first, with per-group receipts and relays."""
    groups = {g.id: g for g in list_groups(session=session, principal=principal)}
    query = select(Broadcast).order_by(Broadcast.created_at.desc(), Broadcast.id.desc())
    if principal.station is not None:
        query = query.where(Broadcast.id.in_(_scoped_ids(session, groups)))
    return [_broadcast_view(session, b, groups) for b in session.scalars(query.limit(limit))]


def get_broadcast(*, session: Session, principal: Principal, broadcast_id: int) -> BroadcastView:
    """One broadcast in scope; :class:`NotFoundError` for another station's or none."""
    groups = {g.id: g for g in list_groups(session=session, principal=principal)}
    item = session.get(Broadcast, broadcast_id)
    visible = principal.station is None or broadcast_id in _scoped_ids(session, groups)
    if item is None or not visible:
        raise NotFoundError("no such broadcast", broadcast=broadcast_id)
    return _broadcast_view(session, item, groups)
