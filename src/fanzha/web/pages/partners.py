"""Partners (centre only): each partner's API key by its prefix (never the key or its hash),
scopes and station, and what it sent: received, accepted, rejected (the latest with reasons),
today's rows against the daily quota, and the accepted rows a warning cites."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from fanzha.core.masking import mask_account
from fanzha.web.deps import Db, Desk, Now, PagePrincipal
from fanzha.web.render import render
from fanzha.workflow.partner.overview import list_partners

router = APIRouter(include_in_schema=False)


@router.get("/partners", response_class=HTMLResponse)
def partners_page(request: Request, db: Db, desk: Desk, who: PagePrincipal, now: Now) -> Response:
    """Partners' keys and the status each reads from ``GET /api/v1/partner/status``."""
    partners = list_partners(
        session=db, principal=who, daily_quota=desk.settings.partner_daily_rows, now=now
    )
    return render(request, "partners.html", {"partners": partners, "mask_account": mask_account})
