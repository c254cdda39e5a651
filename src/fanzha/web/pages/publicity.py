"""Publicity pages: the one-minute event form for a team leader's phone, campaign list and
detail (events, figures, findings and the leads they became)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from fanzha.core import fraud_types
from fanzha.errors import PermissionDeniedError, WorkflowError
from fanzha.web.deps import Csrf, Db, Desk, Now, PagePrincipal
from fanzha.web.pages.forms import communities_of, error_message, form_values, refusal
from fanzha.web.render import render
from fanzha.workflow.campaign import flows, service
from fanzha.workflow.campaign.models import AUDIENCES, EVENT_KINDS, FINDING_KINDS, Campaign
from fanzha.workflow.campaign.schemas import CampaignCreate, EventCreate, FindingCreate
from fanzha.workflow.case.rows import parse_time
from fanzha.workflow.roles import Permission, Principal
from fanzha.workflow.volunteer import service as roster

router = APIRouter(include_in_schema=False)
FINDING_ROWS = 3  # finding lines on the form (more: record the event twice)
COUNTS = ("participants", "leaflets", "banners", "consultations", "reached")


def _open_campaigns(db: Db, who: Principal, today: dt.date) -> list[Campaign]:
    return [
        c
        for c in service.list_campaigns(session=db, principal=who, limit=200)
        if c.starts_on <= today <= c.ends_on
    ]


def _event_context(
    db: Db, who: Principal, now: dt.datetime, form: dict[str, str], error: str | None
) -> dict[str, Any]:
    return {
        "form": form,
        "error": error,
        "kinds": list(EVENT_KINDS),
        "finding_kinds": list(FINDING_KINDS),
        "finding_rows": range(FINDING_ROWS),
        "types": fraud_types.TYPES,
        "communities": communities_of(db, who),
        "campaigns": _open_campaigns(db, who, now.date()),
        "teams": roster.teams_of(session=db, principal=who),
        "points": service.points_of(session=db, principal=who),
        "counts": COUNTS,
    }


@router.get("/publicity/event", response_class=HTMLResponse)
def event_form(request: Request, db: Db, who: PagePrincipal, now: Now) -> Response:
    """The event form: kind, place, counts, up to three findings; big targets for a phone."""
    who.require(Permission.PUBLICITY_EDIT)
    form = {"held_at": now.strftime("%Y-%m-%dT%H:%M"), "kind": "community"}
    if request.query_params.get("campaign"):
        form["campaign_id"] = request.query_params["campaign"]
    return render(request, "publicity_event.html", _event_context(db, who, now, form, None))


def _int_or_none(text: str | None) -> int | None:
    return int(text) if text and text.strip().isdigit() else None


def _findings(form: dict[str, str]) -> list[FindingCreate]:
    found = []
    for i in range(FINDING_ROWS):
        kind = form.get(f"f{i}_kind", "").strip()
        if kind:
            found.append(
                FindingCreate.model_validate(
                    {
                        "kind": kind,
                        "fraud_type": form.get(f"f{i}_type") or "other",
                        "phone": form.get(f"f{i}_phone") or None,
                        "note": form.get(f"f{i}_note", ""),
                    }
                )
            )
    return found


def _event_data(form: dict[str, str], zone: str) -> EventCreate:
    try:
        held_at = parse_time(form.get("held_at", ""), zone)
    except ValueError as exc:
        raise WorkflowError(f"held_at: {exc}", field="held_at") from exc
    values: dict[str, Any] = {
        "kind": form.get("kind", ""),
        "held_at": held_at,
        "place": form.get("place", "").strip(),
        "community": form.get("community") or None,
        "campaign_id": _int_or_none(form.get("campaign_id")),
        "team_id": _int_or_none(form.get("team_id")),
        "point_id": _int_or_none(form.get("point_id")),
        "note": form.get("note", ""),
        "findings": _findings(form),
    }
    values.update({k: form[k].strip() for k in COUNTS if form.get(k, "").strip()})
    return EventCreate.model_validate(values)


@router.post("/publicity/event")
async def record_event(
    request: Request, db: Db, desk: Desk, who: PagePrincipal, now: Now, _: Csrf
) -> Response:
    """Record the event; a refused entry comes back with everything typed kept (422)."""
    who.require(Permission.PUBLICITY_EDIT)
    form = form_values(await request.form())
    try:
        data = _event_data(form, desk.settings.timezone)
        event = flows.record_event(
            session=db, principal=who, data=data, config=desk.config, now=now
        )
        db.commit()
    except (WorkflowError, ValidationError, ValueError) as exc:
        context = _event_context(db, who, now, form, refusal(db, exc))
        return render(request, "publicity_event.html", context, 422)
    target = f"/campaigns/{event.campaign_id}" if event.campaign_id else "/campaigns"
    return RedirectResponse(f"{target}?msg=saved&event={event.id}", status_code=303)


def _month(now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime(now.year, now.month, 1)
    end = dt.datetime(now.year + now.month // 12, now.month % 12 + 1, 1)
    return start, end


@router.get("/campaigns", response_class=HTMLResponse)
def campaigns_page(request: Request, db: Db, who: PagePrincipal, now: Now) -> Response:
    """Campaigns in scope with this month's figures and the latest events."""
    since, until = _month(now)
    events = service.events_of(session=db, principal=who, limit=20)
    context = {
        "campaigns": service.list_campaigns(session=db, principal=who),
        "figures": service.figures(session=db, since=since, until=until, station=who.station),
        "events": events,
        "findings": service.findings_of(session=db, event_ids=[e.id for e in events]),
        "month": since,
        "audiences": AUDIENCES,
    }
    return render(request, "campaigns.html", context)


@router.get("/campaigns/new", response_class=HTMLResponse)
def new_campaign_form(request: Request, who: PagePrincipal, now: Now) -> Response:
    """The campaign form (theme, types, audience, period, communities)."""
    who.require(Permission.PUBLICITY_EDIT)
    form = {"starts_on": now.date().isoformat(), "ends_on": now.date().isoformat()}
    return render(request, "campaign_new.html", _campaign_context(form, None))


def _campaign_context(form: dict[str, str], error: str | None) -> dict[str, Any]:
    return {"form": form, "error": error, "types": fraud_types.TYPES, "audiences": list(AUDIENCES)}


@router.post("/campaigns/new")
async def new_campaign(request: Request, db: Db, who: PagePrincipal, now: Now, _: Csrf) -> Response:
    """Create a campaign; a refused entry keeps what was typed."""
    who.require(Permission.PUBLICITY_EDIT)
    raw = await request.form()
    form = form_values(raw)
    try:
        data = CampaignCreate.model_validate(
            {
                **{k: form.get(k, "") for k in ("code", "theme", "starts_on", "ends_on", "note")},
                "audience": form.get("audience") or "everyone",
                "fraud_types": [v for v in raw.getlist("fraud_types") if isinstance(v, str)],
                "areas": form.get("areas", "").replace("，", ",").split(","),
            }
        )
        campaign = flows.create_campaign(session=db, principal=who, data=data, now=now)
        db.commit()
    except (WorkflowError, ValidationError) as exc:
        db.rollback()
        if isinstance(exc, PermissionDeniedError):
            raise
        return render(
            request, "campaign_new.html", _campaign_context(form, error_message(exc)), 422
        )
    return RedirectResponse(f"/campaigns/{campaign.id}?msg=saved", status_code=303)


@router.get("/campaigns/{campaign_id}", response_class=HTMLResponse)
def campaign_page(request: Request, campaign_id: int, db: Db, who: PagePrincipal) -> Response:
    """One campaign: its facts, the sums of its events, the events and their findings."""
    campaign = service.get_campaign(session=db, principal=who, campaign_id=campaign_id)
    events = service.events_of(session=db, principal=who, campaign_id=campaign.id, limit=500)
    context = {
        "c": campaign,
        "events": events,
        "findings": service.findings_of(session=db, event_ids=[e.id for e in events]),
        "totals": {k: sum(getattr(e, k) for e in events) for k in COUNTS},
    }
    return render(request, "campaign_detail.html", context)
