"""Linking a case to what the desk knows of its victim: the resident and the latest warning.

The post-warning victimisation rate (预警后被骗率) counts warned residents who report a fraud,
so a case carries the resident's latest warning issued *before* the report.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from fanzha.workflow.case.models import Case
from fanzha.workflow.warning.models import EarlyWarning

__all__ = ["Victim", "latest_warning"]


@dataclass(frozen=True)
class Victim:
    """What is known of the victim from the resident registry (importer) or a warning."""

    resident_id: str | None = None
    community: str | None = None
    station: str | None = None
    age: int | None = None


def latest_warning(session: Session, case: Case) -> EarlyWarning | None:
    """The victim's latest warning issued before the report (by pseudonym or by phone)."""
    who = []
    if case.victim_resident_id:
        who.append(EarlyWarning.resident_id == case.victim_resident_id)
    if case.victim_phone:
        who.append(EarlyWarning.phone == case.victim_phone)
    if not who:
        return None
    query = (
        select(EarlyWarning)
        .where(or_(*who), EarlyWarning.warned_at <= case.reported_at)
        .order_by(EarlyWarning.warned_at.desc(), EarlyWarning.id.desc())
        .limit(1)
    )
    warning: EarlyWarning | None = session.scalar(query)
    return warning
