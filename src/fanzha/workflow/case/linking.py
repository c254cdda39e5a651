"""Linking a case to what the desk knows of its victim: the resident and the latest warning.

The post-warning victimisation rate (预警后被骗率) counts warned residents who report a fraud,
so a case carries the resident's latest warning issued *before* the report.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from fanzha.workflow.case.models import Case
from fanzha.workflow.warning.models import EarlyWarning

__all__ = ["Victim", "Warned", "WarningIndex", "latest_warning"]


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


@dataclass(frozen=True)
class Warned:
    """The facts of a warning that linking a case uses."""

    id: int
    resident_id: str | None
    phone: int | None
    community: str | None
    station: str | None
    warned_at: dt.datetime


class WarningIndex:
    """The warnings of many victims at once, to link the cases of an import chunk with one
    query instead of one per case. :meth:`latest` answers as :func:`latest_warning` would for
    a victim and a report time the index covers, and ``None`` for one it does not (the caller
    then asks the database)."""

    def __init__(
        self, session: Session, *, resident_ids: set[str], phones: set[int], until: dt.datetime
    ) -> None:
        self.resident_ids = {r for r in resident_ids if r}
        self.phones = {p for p in phones if p}
        self.until = until
        self._by_resident: dict[str, list[Warned]] = {}
        self._by_phone: dict[int, list[Warned]] = {}
        who = []
        if self.resident_ids:
            who.append(EarlyWarning.resident_id.in_(sorted(self.resident_ids)))
        if self.phones:
            who.append(EarlyWarning.phone.in_(sorted(self.phones)))
        if not who:
            return
        query = select(
            EarlyWarning.id,
            EarlyWarning.resident_id,
            EarlyWarning.phone,
            EarlyWarning.community,
            EarlyWarning.station,
            EarlyWarning.warned_at,
        ).where(or_(*who), EarlyWarning.warned_at <= until)
        for row in session.execute(query):
            w = Warned(*row)
            if w.resident_id in self.resident_ids:
                self._by_resident.setdefault(w.resident_id, []).append(w)
            if w.phone in self.phones:
                self._by_phone.setdefault(w.phone, []).append(w)

    def all(self) -> list[Warned]:
        """Every warning loaded."""
        seen = {w.id: w for ws in self._by_resident.values() for w in ws}
        seen.update((w.id, w) for ws in self._by_phone.values() for w in ws)
        return list(seen.values())

    def covers(self, case: Case) -> bool:
        """Whether :meth:`latest` knows the answer for ``case`` as it is now."""
        return (
            (not case.victim_resident_id or case.victim_resident_id in self.resident_ids)
            and (not case.victim_phone or case.victim_phone in self.phones)
            and case.reported_at <= self.until
        )

    def latest(self, case: Case) -> Warned | None:
        """The victim's latest warning issued before the report (the index must cover it)."""
        found: list[Warned] = []
        if case.victim_resident_id:
            found += self._by_resident.get(case.victim_resident_id, [])
        if case.victim_phone:
            found += self._by_phone.get(case.victim_phone, [])
        before = [w for w in found if w.warned_at <= case.reported_at]
        return max(before, key=lambda w: (w.warned_at, w.id), default=None)
