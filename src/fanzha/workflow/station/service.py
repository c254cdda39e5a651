"""Keyword-only database functions for stations and communities."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from fanzha.errors import ConflictError, NotFoundError
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
    """The station owning ``community``, or ``None`` when it is outside the area."""
    if not community:
        return None
    return session.scalar(select(Community.station_code).where(Community.code == community))
