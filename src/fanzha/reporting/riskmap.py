"""The risk map's rows: warnings, engaged contacts, victims and losses per community and month,
by fraud type and demographic (age band, occupation group → campaign audience).

Rows are aggregated counts (:class:`RiskRow`), read from the workflow store by
:func:`load_rows` or produced by the simulator (:mod:`fanzha.sim.publicity`); targeting
(:mod:`fanzha.reporting.targeting`) and the effect measure (:mod:`fanzha.reporting.effect`)
work on them alone. An *engaged contact* is a warning of level high or emergency: the
resident answered the fraudster (a long call, a payment, a remote-control app), not merely
received a message.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from fanzha.workflow.campaign.models import Audience
from fanzha.workflow.case.models import Case
from fanzha.workflow.warning.models import EarlyWarning

__all__ = [
    "AGE_BANDS",
    "KINDS",
    "Demographics",
    "RiskRow",
    "age_band",
    "audience_of",
    "load_rows",
    "month_of",
]

KINDS = ("warnings", "contacts", "cases")  # a row counts one of these; cases carry losses
AGE_BANDS: tuple[tuple[int, int, str], ...] = (
    (0, 17, "<18"),
    (18, 29, "18-29"),
    (30, 44, "30-44"),
    (45, 59, "45-59"),
    (60, 69, "60-69"),
    (70, 200, "70+"),
)
_EMPLOYED = {"office", "worker", "finance", "it", "teacher", "medical"}
# resident id -> (age, occupation); ``None`` when the registry does not know the person
Demographics = Callable[[str], tuple[int | None, str | None] | None]


@dataclass(frozen=True)
class RiskRow:
    """``count`` records of one kind in one community and month, for one type and group."""

    community: str
    month: dt.date  # the first day of the month
    kind: str  # warnings / contacts / cases
    fraud_type: str
    age_band: str  # see AGE_BANDS, or "unknown"
    occupation: str  # the registry's occupation group, or "unknown"
    count: int
    loss_fen: int = 0

    @property
    def audience(self) -> Audience:
        """The campaign audience this row's people belong to."""
        return audience_of(self.age_band, self.occupation)


def month_of(at: dt.datetime | dt.date) -> dt.date:
    """The first day of the month of ``at``."""
    return dt.date(at.year, at.month, 1)


def age_band(age: int | None) -> str:
    """The band label of an age (``unknown`` when not known)."""
    if age is None:
        return "unknown"
    return next((label for lo, hi, label in AGE_BANDS if lo <= age <= hi), "unknown")


def audience_of(band: str, occupation: str) -> Audience:
    """Retirees by occupation or age (60+), students, employees, villagers, homemakers."""
    if occupation == "retiree" or band in ("60-69", "70+"):
        return Audience.RETIREES
    if occupation == "student" or band == "<18":
        return Audience.STUDENTS
    if occupation in _EMPLOYED:
        return Audience.EMPLOYEES
    if occupation == "farmer":
        return Audience.FARMERS
    if occupation == "unemployed":
        return Audience.HOMEMAKERS
    return Audience.EVERYONE


def _group(rows: Iterable[tuple[str, dt.date, str, str, str, str, int]]) -> list[RiskRow]:
    counts: dict[tuple[str, dt.date, str, str, str, str], list[int]] = {}
    for community, month, kind, ftype, band, occupation, loss in rows:
        cell = counts.setdefault((community, month, kind, ftype, band, occupation), [0, 0])
        cell[0] += 1
        cell[1] += loss
    return [RiskRow(*key, count=n, loss_fen=loss) for key, (n, loss) in counts.items()]


def _person(
    demographics: Demographics | None, resident_id: str | None, age: int | None
) -> tuple[str, str]:
    known = demographics(resident_id) if demographics and resident_id else None
    if known is not None:
        age = known[0] if known[0] is not None else age
        return age_band(age), known[1] or "unknown"
    return age_band(age), "unknown"


def load_rows(
    *,
    session: Session,
    since: dt.datetime,
    until: dt.datetime,
    demographics: Demographics | None = None,
    station: str | None = None,
) -> list[RiskRow]:
    """Warnings (and engaged contacts among them) and cases with a community in the period
    (of one station's, when given)."""
    w, c = EarlyWarning, Case
    flat: list[tuple[str, dt.date, str, str, str, str, int]] = []
    warnings = select(w.community, w.warned_at, w.fraud_type, w.level, w.resident_id).where(
        w.warned_at >= since, w.warned_at < until, w.community.is_not(None)
    )
    if station is not None:
        warnings = warnings.where(w.station == station)
    for community, at, ftype, level, resident in session.execute(warnings):
        band, occupation = _person(demographics, resident, None)
        base = (str(community), month_of(at))
        flat.append((*base, "warnings", ftype.partition("/")[0], band, occupation, 0))
        if level >= 3:
            flat.append((*base, "contacts", ftype.partition("/")[0], band, occupation, 0))
    cases = select(
        c.community, c.reported_at, c.fraud_type, c.victim_age, c.victim_resident_id, c.loss_fen
    ).where(c.reported_at >= since, c.reported_at < until, c.community.is_not(None))
    if station is not None:
        cases = cases.where(c.station == station)
    for place, reported, kind, age, victim, loss in session.execute(cases):
        band, group = _person(demographics, victim, age)
        flat.append(
            (str(place), month_of(reported), "cases", kind.partition("/")[0], band, group, loss)
        )
    return _group(flat)
