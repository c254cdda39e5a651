"""Emergency notices on every open desk page: new 紧急 warnings in scope, polled every 3 s.

A streamed warning is routed in the consumer's own transaction, so it is on the station's
queue the moment it is committed; the desk's pages poll this endpoint and show a banner for
each new emergency one (plain polling: it works through any intranet proxy, no open socket).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from sqlalchemy import func, select

from fanzha.core.levels import Level
from fanzha.web.deps import Db, PagePrincipal
from fanzha.workflow.warning import service
from fanzha.workflow.warning.models import EarlyWarning

router = APIRouter(include_in_schema=False)
SHOWN = 10


@router.get("/notices/emergency")
def emergency_notices(db: Db, who: PagePrincipal, after: int = Query(-1, ge=-1)) -> dict[str, Any]:
    """Open emergency warnings in scope with an id above ``after`` (-1: only the latest id)."""
    emergency = (EarlyWarning.level == int(Level.EMERGENCY), EarlyWarning.is_open.is_(True))
    latest = db.scalar(service.scoped(select(func.max(EarlyWarning.id)).where(*emergency), who))
    if after < 0:
        return {"latest": latest or 0, "notices": []}
    query = select(EarlyWarning).where(*emergency, EarlyWarning.id > after)
    rows = db.scalars(service.scoped(query, who).order_by(EarlyWarning.id.desc()).limit(SHOWN))
    notices = [
        {"id": w.id, "station": w.station, "fraud_type": w.fraud_type,
         "warned_at": w.warned_at.isoformat(sep=" "), "url": f"/warnings/{w.id}"}
        for w in rows
    ]  # fmt: skip
    return {"latest": max([latest or 0, after]), "notices": notices}
