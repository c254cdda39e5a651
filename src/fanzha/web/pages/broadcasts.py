"""Broadcast groups and broadcasts (read-only): the groups in scope (kind, school, grade,
community, audience, station) and the latest broadcasts with per-group receipts and relays.
Broadcasts are queued and relays recorded with ``fanzha notify broadcast`` / ``relay``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from fanzha.web.deps import Db, PagePrincipal
from fanzha.web.render import render
from fanzha.workflow.broadcast import views

router = APIRouter(include_in_schema=False)


@router.get("/broadcasts", response_class=HTMLResponse)
def broadcasts_page(request: Request, db: Db, who: PagePrincipal) -> Response:
    """Groups in scope and the latest broadcasts (receipts and relays of those groups)."""
    context = {
        "groups": views.list_groups(session=db, principal=who),
        "broadcasts": views.latest_broadcasts(session=db, principal=who),
    }
    return render(request, "broadcasts.html", context)


@router.get("/broadcasts/{broadcast_id}", response_class=HTMLResponse)
def broadcast_page(request: Request, broadcast_id: int, db: Db, who: PagePrincipal) -> Response:
    """One broadcast: its text, per-group receipts and who relayed it (another station's: 404)."""
    item = views.get_broadcast(session=db, principal=who, broadcast_id=broadcast_id)
    return render(request, "broadcast_detail.html", {"item": item})
