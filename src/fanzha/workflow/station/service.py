"""Keyword-only database functions for stations and communities."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from fanzha.errors import ConflictError, NotFoundError, WorkflowError
from fanzha.workflow.station.models import Community, Station


def get(*, session: Session, code: str) -> Station:
    """The station with ``code`` or :class:`NotFoundError`."""
    station = session.get(Station, code)
    if station is None:
        raise NotFoundError("no such station", station=code)
    return station


def list_all(*, session: Session, active_only: bool = False) -> list[Station]:
    """All stations ordered by code."""
    query = select(Station).order_by(Station.code)
    if active_only:
        query = query.where(Station.active.is_(True))
    return list(session.scalars(query))


def create(*, session: Session, code: str, name: str) -> Station:
    """Add a station; :class:`ConflictError` if the code exists."""
    if session.get(Station, code) is not None:
        raise ConflictError("station already exists", station=code)
    station = Station(code=code, name=name, active=True)
    session.add(station)
    session.flush()
    return station


def upsert_jurisdiction(*, session: Session, rows: Iterable[dict[str, str | None]]) -> int:
    """Create or update stations and communities from jurisdiction rows; return rows seen."""
    rows = list(rows)
    stations = {s.code: s for s in session.scalars(select(Station))}
    for row in rows:
        code = str(row["station"])
        if code not in stations:
            stations[code] = Station(code=code, name=row.get("station_name") or code, active=True)
            session.add(stations[code])
    session.flush()
    communities = {c.code: c for c in session.scalars(select(Community))}
    for row in rows:
        code, community = str(row["station"]), str(row["community"])
        if community in communities:
            communities[community].station_code = code
        else:
            communities[community] = Community(
                code=community, name=row.get("community_name") or community, station_code=code
            )
            session.add(communities[community])
    session.flush()
    return len(rows)


def station_of_community(*, session: Session, community: str | None) -> str | None:
    """The active station owning ``community``, or ``None`` when it is outside the area or its
    station is inactive (the warning then waits in the centre queue for transfer)."""
    if not community:
        return None
    query = (
        select(Community.station_code)
        .join(Station, Station.code == Community.station_code)
        .where(Community.code == community, Station.active.is_(True))
    )
    return session.scalar(query)


def rename(*, session: Session, code: str, name: str) -> Station:
    """Change a station's name."""
    if not name.strip():
        raise WorkflowError("a station needs a name", station=code)
    station = get(session=session, code=code)
    station.name = name.strip()
    session.flush()
    return station


def set_active(*, session: Session, code: str, active: bool) -> Station:
    """Deactivate or reactivate a station.

    An inactive station receives no new routing (its residents' warnings go to the centre
    queue for transfer) and no transfers; its open warnings stay where they are.
    """
    station = get(session=session, code=code)
    if station.active == active:
        state = "active" if active else "inactive"
        raise ConflictError(f"the station is already {state}", station=code)
    station.active = active
    session.flush()
    return station


def get_active(*, session: Session, code: str) -> Station:
    """The station with ``code`` if it is active (it may receive warnings)."""
    station = get(session=session, code=code)
    if not station.active:
        raise WorkflowError("the station is inactive", station=code)
    return station


def move_community(*, session: Session, community: str, to_station: str) -> tuple[str, str]:
    """Give a community to another station; return (from, to). Open warnings stay put."""
    found = session.get(Community, community)
    if found is None:
        raise NotFoundError("no such community", community=community)
    get(session=session, code=to_station)
    if found.station_code == to_station:
        raise ConflictError("the community already belongs to that station", community=community)
    before, found.station_code = found.station_code, to_station
    session.flush()
    return before, to_station


def list_communities(*, session: Session) -> list[Community]:
    """All communities ordered by station and code."""
    query = select(Community).order_by(Community.station_code, Community.code)
    return list(session.scalars(query))
