"""The partners as the desk lists them: each API key (its prefix, never the key or its hash)
and, for a key with the scope ``partner:accounts``, the status it reads itself through
``GET /api/v1/partner/status`` (:func:`fanzha.workflow.partner.status.status`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from fanzha.workflow.partner.schemas import PartnerStatus
from fanzha.workflow.partner.status import status as partner_status
from fanzha.workflow.roles import Permission, Principal, api_principal
from fanzha.workflow.user import service as users

ACCOUNTS_SCOPE = "partner:accounts"


@dataclass(frozen=True)
class PartnerView:
    """One partner's key and what it sent (``status`` is ``None`` without the scope)."""

    id: int
    name: str
    prefix: str
    scopes: list[str]
    station: str | None
    revoked: bool
    created_at: dt.datetime | None
    last_used_at: dt.datetime | None
    status: PartnerStatus | None


def list_partners(
    *, session: Session, principal: Principal, daily_quota: int, now: dt.datetime, limit: int = 5
) -> list[PartnerView]:
    """Every partner API key, newest first, with its counts and latest ``limit`` rejections."""
    principal.require(Permission.PARTNERS_VIEW)
    out = []
    for key in users.list_api_keys(session=session):
        scopes = list(key.scopes)
        status = None
        if ACCOUNTS_SCOPE in scopes:
            who = api_principal(key.id, key.name, scopes, key.station_code)
            status = partner_status(
                session=session, who=who, daily_quota=daily_quota, now=now, limit=limit
            )
        out.append(
            PartnerView(
                id=key.id,
                name=key.name,
                prefix=key.prefix,
                scopes=scopes,
                station=key.station_code,
                revoked=key.revoked_at is not None or not key.active,
                created_at=key.created_at,
                last_used_at=key.last_used_at,
                status=status,
            )
        )
    return out
