"""Keyword-only queries over restrictions, always within the principal's scope.

A restriction is reached through its warning: one outside the caller's scope is *not found*
(as for warnings), so its existence is not disclosed.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from fanzha.errors import NotFoundError
from fanzha.workflow.restriction.models import Appeal, Restriction, RestrictionStatus
from fanzha.workflow.roles import Principal
from fanzha.workflow.warning import service as warnings
from fanzha.workflow.warning.models import EarlyWarning


def get(*, session: Session, principal: Principal, restriction_id: int) -> Restriction:
    """The restriction if its warning is in scope, else :class:`NotFoundError`."""
    query = warnings.scoped(
        select(Restriction)
        .join(EarlyWarning, EarlyWarning.id == Restriction.warning_id)
        .where(Restriction.id == restriction_id),
        principal,
    )
    restriction: Restriction | None = session.scalar(query)
    if restriction is None:
        raise NotFoundError("no such restriction", restriction=restriction_id)
    return restriction


def of_warning(*, session: Session, warning_id: int) -> list[Restriction]:
    """The restrictions of one warning (the caller has checked its scope), newest first."""
    query = select(Restriction).where(Restriction.warning_id == warning_id)
    return list(session.scalars(query.order_by(Restriction.id.desc())))


def active(*, session: Session, principal: Principal, limit: int = 500) -> list[Restriction]:
    """Active restrictions in scope, oldest first (the longest-standing need review first)."""
    query = warnings.scoped(
        select(Restriction)
        .join(EarlyWarning, EarlyWarning.id == Restriction.warning_id)
        .where(Restriction.status == RestrictionStatus.ACTIVE.value),
        principal,
    )
    query = query.order_by(Restriction.requested_at, Restriction.id).limit(limit)
    return list(session.scalars(query))


def appeals_of(*, session: Session, restriction_ids: list[int]) -> dict[int, list[Appeal]]:
    """The appeals of each restriction, oldest first."""
    found: dict[int, list[Appeal]] = defaultdict(list)
    if not restriction_ids:
        return found
    query = select(Appeal).where(Appeal.restriction_id.in_(restriction_ids))
    for appeal in session.scalars(query.order_by(Appeal.id)):
        found[appeal.restriction_id].append(appeal)
    return found


def pending_appeal(*, session: Session, restriction_id: int) -> Appeal | None:
    """The appeal of the restriction still waiting for a decision, if any."""
    query = select(Appeal).where(Appeal.restriction_id == restriction_id, Appeal.decision.is_(None))
    return session.scalar(query.limit(1))


def warning_stations(*, session: Session, warning_ids: list[int]) -> dict[int, str | None]:
    """The station of each warning (for lists of restrictions)."""
    if not warning_ids:
        return {}
    query = select(EarlyWarning.id, EarlyWarning.station).where(EarlyWarning.id.in_(warning_ids))
    return {int(wid): station for wid, station in session.execute(query)}
