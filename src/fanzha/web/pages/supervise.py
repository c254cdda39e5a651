"""The supervisor's and leader's view: overdue list, escalations, station ranking; export."""

from __future__ import annotations

import csv
import io
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from fanzha.core import phone
from fanzha.core.cells import csv_row
from fanzha.core.levels import Level
from fanzha.web.deps import Db, Desk, Now, PagePrincipal
from fanzha.web.pages import restriction_rows
from fanzha.web.pages.context import queue_filter
from fanzha.web.render import render
from fanzha.workflow.audit import service as audit
from fanzha.workflow.restriction import service as restrictions
from fanzha.workflow.roles import Permission
from fanzha.workflow.warning import service

router = APIRouter(include_in_schema=False)
EXPORT_LIMIT = 50_000


@router.get("/supervise", response_class=HTMLResponse)
def supervise_page(request: Request, db: Db, desk: Desk, who: PagePrincipal, now: Now) -> Response:
    """Breaches (超期未劝阻), escalations sent to me, and the station ranking."""
    who.require(Permission.SUPERVISE)
    context = {
        "overdue": service.overdue(session=db, principal=who, now=now),
        "ranking": service.station_ranking(session=db, principal=who, now=now),
        "inbox": list(reversed(desk.inbox.for_recipient(who.name)))[:50],
        **_active_restrictions(db, who, now),
    }
    return render(request, "supervise.html", context)


def _active_restrictions(db: Db, who: PagePrincipal, now: Now) -> dict[str, Any]:
    """Active protective stop-payments in scope, oldest first, with their warnings' stations."""
    active = restrictions.active(session=db, principal=who)
    ids = [r.warning_id for r in active]
    return {
        "active_restrictions": restriction_rows.restriction_rows(db, active, now),
        "restriction_stations": restrictions.warning_stations(session=db, warning_ids=ids),
    }


@router.get("/export.csv")
def export_csv(request: Request, db: Db, who: PagePrincipal, now: Now) -> Response:
    """The filtered queue as CSV (phones masked); needs the export permission; audited."""
    who.require(Permission.EXPORT)
    filters, _, args = queue_filter(request, who)
    rows = service.queue(session=db, principal=who, filters=filters, now=now, limit=EXPORT_LIMIT)
    audit.append(
        session=db,
        actor=who.label,
        action="export",
        object_type="queue",
        object_id="csv",
        at=now,
        detail={"filters": args, "rows": len(rows)},
    )
    db.commit()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "id",
            "level",
            "status",
            "station",
            "fraud_type",
            "phone",
            "warned_at",
            "due_at",
            "outcome",
        ]
    )
    for w in rows:
        writer.writerow(
            csv_row(
                [
                    w.id,
                    Level(w.level).zh,
                    w.status,
                    w.station or "",
                    w.fraud_type,
                    phone.mask(w.phone) if w.phone else "",
                    w.warned_at,
                    w.due_at or "",
                    w.outcome or "",
                ]
            )
        )
    return Response(
        "\ufeff" + out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="warnings.csv"'},
    )
