"""Building page contexts: queue filters from the query string, the detail page's data."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from fanzha.core import fraud_types
from fanzha.core.levels import Level
from fanzha.workflow.action.models import CALL_RESULTS, FORM_KINDS, ActionKind
from fanzha.workflow.outcome.models import CATEGORIES
from fanzha.workflow.roles import Permission, Principal, Role
from fanzha.workflow.station import service as stations
from fanzha.workflow.user.models import User
from fanzha.workflow.warning import flows, service
from fanzha.workflow.warning.models import EarlyWarning, Reason

VISIT_RESULTS = ("met", "not_home", "refused")


def _int(value: str | None) -> int | None:
    return int(value) if value and value.strip().lstrip("-").isdigit() else None


def queue_filter(
    request: Request, who: Principal
) -> tuple[service.QueueFilter, int, dict[str, str]]:
    """Filters, page number and the query args (for links) of a queue request."""
    q = request.query_params
    args = {
        k: q[k]
        for k in ("level", "status", "station", "type", "source", "mine", "overdue", "tier")
        if q.get(k)
    }
    filters = service.QueueFilter(
        level=_int(q.get("level")),
        status=q.get("status") or None,
        station=q.get("station") or None,
        fraud_type=q.get("type") or None,
        source=q.get("source") or None,
        assignee_id=who.id if q.get("mine") else None,
        overdue=bool(q.get("overdue")),
        tier=q.get("tier") or None,
    )
    return filters, max(_int(q.get("page")) or 0, 0), args


def page_link(args: dict[str, str], page: int) -> str:
    """The queue URL of another page with the same filters."""
    return "/queue?" + urlencode({**args, "page": page})


def timeline(warning: EarlyWarning) -> list[Reason]:
    """The reasons (signals) in time order, as the evidence timeline."""
    return sorted(warning.reasons or [], key=lambda r: r.time)


def detail_context(db: Session, who: Principal, warning: EarlyWarning) -> dict[str, Any]:
    """Everything the detail page shows for ``warning``."""
    form_kinds = [
        k
        for k in FORM_KINDS
        if who.can(Permission.STOP_PAYMENT if k is ActionKind.STOP_PAYMENT else Permission.ACT)
    ]
    actions = service.actions_of(session=db, warning_id=warning.id)
    return {
        "w": warning,
        "timeline": timeline(warning),
        "actions": actions,
        "outcomes": service.outcomes_of(session=db, warning_id=warning.id),
        "next_steps": flows.next_steps(session=db, principal=who, warning=warning, actions=actions),
        "form_kinds": form_kinds,
        "call_results": CALL_RESULTS,
        "visit_results": VISIT_RESULTS,
        "categories": list(CATEGORIES),
        "levels": list(Level),
        "types": fraud_types.TYPES,
        "officers": _officers(db, warning) if who.can(Permission.ASSIGN) else [],
        "stations": stations.list_all(session=db) if who.can(Permission.TRANSFER) else [],
        "assignee": db.get(User, warning.assignee_id) if warning.assignee_id else None,
        "revealed": None,
        "error": None,
        "form": {},
    }


def _officers(db: Session, warning: EarlyWarning) -> list[User]:
    roles = (
        (Role.STATION_OFFICER.value, Role.GRID_WORKER.value)
        if warning.station
        else (Role.CENTRE_OPERATOR.value, Role.CENTRE_SUPERVISOR.value)
    )
    query = select(User).where(
        User.active.is_(True),
        User.role.in_(roles),
        User.station_code == warning.station if warning.station else User.station_code.is_(None),
    )
    return list(db.scalars(query.order_by(User.username)))
