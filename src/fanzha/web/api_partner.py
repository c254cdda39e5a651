"""Partner intake on the JSON API: banks and the administrative approval bureau push
suspicious accounts (scope ``partner:accounts``) and read what became of them.

``POST /api/v1/partner/accounts`` checks every row on its own (see
:mod:`fanzha.workflow.partner.service`), logs it, and appends the accepted ones to the event
store's ``indicators`` table (kind ``account``), so the next ``fanzha detect`` turns a
resident's transfer to such an account into an ``indicator_account`` signal.
``GET /api/v1/partner/status`` shows the calling key its own rows only.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.security import APIKeyHeader

from fanzha.store.event_store import EventStore
from fanzha.web.deps import ApiPrincipal, Db, Desk, Now
from fanzha.workflow.partner import service
from fanzha.workflow.partner.indicators import append_account_indicators
from fanzha.workflow.partner.schemas import AccountBatchIn, BatchResult, PartnerStatus
from fanzha.workflow.partner.status import status as partner_status
from fanzha.workflow.roles import Permission

_key_scheme = APIKeyHeader(name="X-API-Key", auto_error=False)
router = APIRouter(prefix="/api/v1/partner", tags=["partner"], dependencies=[Depends(_key_scheme)])


@router.post(
    "/accounts",
    response_model=BatchResult,
    responses={429: {"description": "the key's daily quota of rows is used up"}},
)
def push_accounts(
    data: AccountBatchIn, db: Db, desk: Desk, who: ApiPrincipal, now: Now
) -> BatchResult:
    """Push suspicious accounts; one result per row (accepted, rejected with a reason, or
    duplicate of a row id already received)."""
    who.require(Permission.PARTNER_ACCOUNTS)
    settings = desk.settings
    limits = service.Limits(
        daily_rows=settings.partner_daily_rows, valid_days=settings.partner_valid_days
    )
    answer, indicators = service.submit(session=db, who=who, rows=data.rows, limits=limits, now=now)
    append_account_indicators(EventStore(settings.data_dir), indicators)
    db.commit()
    return answer


@router.get("/status", response_model=PartnerStatus)
def get_status(
    db: Db,
    desk: Desk,
    who: ApiPrincipal,
    now: Now,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> PartnerStatus:
    """What this key sent: received, accepted, rejected (latest, with reasons), and the
    accepted rows a warning cites."""
    who.require(Permission.PARTNER_ACCOUNTS)
    return partner_status(
        session=db,
        who=who,
        daily_quota=desk.settings.partner_daily_rows,
        now=now,
        limit=limit,
    )
