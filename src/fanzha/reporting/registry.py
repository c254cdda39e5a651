"""Demographics from the event store's resident registry (birth year, occupation), for the
risk map: :class:`RegistryDemographics` looks the given pseudonyms up once (one DuckDB query)
and answers :data:`fanzha.reporting.riskmap.Demographics` calls from memory."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from fanzha.store.event_store import EventStore
from fanzha.workflow.case.models import Case
from fanzha.workflow.warning.models import EarlyWarning

__all__ = ["RegistryDemographics", "resident_ids"]

_QUERY = """
SELECT resident_id, birth_year, occupation FROM residents
WHERE resident_id IN (SELECT unnest($ids))
"""


def resident_ids(*, session: Session, since: dt.datetime, until: dt.datetime) -> list[str]:
    """The residents named by the warnings and cases of the period."""
    w, c = EarlyWarning, Case
    warned = select(w.resident_id).where(w.warned_at >= since, w.warned_at < until)
    victims = select(c.victim_resident_id).where(
        c.reported_at >= since, c.reported_at < until, c.victim_resident_id.is_not(None)
    )
    found = {str(r) for r in session.scalars(warned.distinct())}
    found |= {str(r) for r in session.scalars(victims.distinct()) if r}
    return sorted(found)


class RegistryDemographics:
    """Age (in ``year``) and occupation of the given residents; ``None`` for the unknown."""

    def __init__(self, store: EventStore | None, ids: list[str], year: int) -> None:
        self.found: dict[str, tuple[int | None, str | None]] = {}
        if store is None or not ids or not store.files("residents"):
            return
        con = store.connect(threads=2, memory_limit="1GB")
        try:
            rows = con.execute(_QUERY, {"ids": ids}).fetchall()
        finally:
            con.close()
        for rid, born, occupation in rows:
            age = year - int(born) if born is not None else None
            self.found[str(rid)] = (age, occupation)

    def __call__(self, resident_id: str) -> tuple[int | None, str | None] | None:
        return self.found.get(resident_id)
