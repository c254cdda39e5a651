"""What a partner sent and what came of it: counts, rejections, rows cited by warnings.

A warning cites a partner's row when one of its reasons is an ``indicator_account`` signal
whose ``source`` is that row's source (:func:`~fanzha.workflow.partner.service.source_of`).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from sqlalchemy import String, cast, func, select
from sqlalchemy.orm import Session

from fanzha.workflow.partner.models import ACCEPTED, REJECTED, PartnerAccountRow
from fanzha.workflow.partner.schemas import MatchedRow, PartnerStatus, RejectedRow
from fanzha.workflow.partner.service import day_start, received_since
from fanzha.workflow.roles import Principal
from fanzha.workflow.warning.models import EarlyWarning


def _counts(session: Session, key_id: int) -> Counter[str]:
    query = (
        select(PartnerAccountRow.status, func.count())
        .where(PartnerAccountRow.key_id == key_id)
        .group_by(PartnerAccountRow.status)
    )
    return Counter({status: int(n) for status, n in session.execute(query)})


def _rejected(session: Session, key_id: int, limit: int) -> list[RejectedRow]:
    query = (
        select(PartnerAccountRow)
        .where(PartnerAccountRow.key_id == key_id, PartnerAccountRow.status == REJECTED)
        .order_by(PartnerAccountRow.id.desc())
        .limit(limit)
    )
    return [
        RejectedRow(row_id=r.row_id, account=r.account, reason=r.reason, received_at=r.received_at)
        for r in session.scalars(query)
    ]


def citations(session: Session, sources: set[str]) -> Counter[str]:
    """How many warnings cite each of ``sources`` in an ``indicator_account`` reason."""
    cited: Counter[str] = Counter()
    if not sources:
        return cited
    query = select(EarlyWarning.reasons).where(
        cast(EarlyWarning.reasons, String).like("%indicator_account%")
    )
    for reasons in session.scalars(query):
        hits = {r.source for r in reasons if r.kind == "indicator_account" and r.source in sources}
        cited.update(hits)
    return cited


def status(
    *, session: Session, who: Principal, daily_quota: int, now: dt.datetime, limit: int = 100
) -> PartnerStatus:
    """The status of ``who``'s pushes (its own rows only)."""
    counts = _counts(session, who.id)
    accepted = {
        r.source: r
        for r in session.scalars(
            select(PartnerAccountRow).where(
                PartnerAccountRow.key_id == who.id, PartnerAccountRow.status == ACCEPTED
            )
        )
        if r.source
    }
    cited = citations(session, set(accepted))
    matched = [
        MatchedRow(row_id=accepted[s].row_id, account=accepted[s].account, warnings=n)
        for s, n in sorted(cited.items(), key=lambda kv: accepted[kv[0]].id)
    ]
    return PartnerStatus(
        partner=who.name,
        received=sum(counts.values()),
        accepted=counts[ACCEPTED],
        rejected=counts[REJECTED],
        received_today=received_since(session, who.id, day_start(now)),
        daily_quota=daily_quota,
        matched=len(matched),
        rejected_rows=_rejected(session, who.id, limit),
        matched_rows=matched[:limit],
    )
