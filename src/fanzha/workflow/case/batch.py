"""The lookups of :func:`fanzha.workflow.case.flows.save` done once for many cases.

The importer saves up to :data:`~fanzha.workflow.case.importer.CHUNK` cases per transaction.
Saved one by one, each case read its stored row, its accounts (twice), the victim's latest
warning and the station of its community, and appended its audit record (the chain's lock
and head) — about seven queries per case. A :class:`SaveBatch` loads the stored cases, their
accounts, the victims' warnings and the communities' stations of the whole chunk in one query
each, and collects the audit records, which :meth:`SaveBatch.write_audit` appends at the end
of the chunk in the order the cases were saved, under one chain lock (the same records and
hashes as appended one by one).

Every lookup falls back to the database for a key the batch did not load, so a save gives
the same result with or without a batch; each loaded case and account list is used once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from fanzha.workflow.audit import service as audit
from fanzha.workflow.case import service
from fanzha.workflow.case.linking import Victim, Warned, WarningIndex, latest_warning
from fanzha.workflow.case.models import Case, CaseAccount
from fanzha.workflow.case.schemas import CaseCreate
from fanzha.workflow.station import service as stations
from fanzha.workflow.station.models import Community, Station
from fanzha.workflow.warning.models import EarlyWarning

__all__ = ["SaveBatch"]

_Unknown = object()


@dataclass
class SaveBatch:
    """What the saves of one chunk of cases look up, loaded at once (see the module)."""

    cases: dict[str, Case | None] = field(default_factory=dict)  # by case_no; None: new
    accounts: dict[int, list[CaseAccount]] = field(default_factory=dict)  # by case id
    warnings: WarningIndex | None = None
    stations: dict[str, str | None] = field(default_factory=dict)  # by community
    audits: list[audit.Entry] = field(default_factory=list)

    @classmethod
    def load(cls, session: Session, items: Sequence[tuple[CaseCreate, Victim]]) -> SaveBatch:
        """Load what saving ``items`` (the data and victim of each case) will look up."""
        batch = cls()
        if not items:
            return batch
        numbers = sorted({data.case_no for data, _ in items})
        batch.cases = dict.fromkeys(numbers)
        for case in session.scalars(select(Case).where(Case.case_no.in_(numbers))):
            batch.cases[case.case_no] = case
        stored = [c for c in batch.cases.values() if c is not None]
        batch.accounts = service.accounts_of(session=session, case_ids=[c.id for c in stored])
        old = {c.case_no: c for c in stored}
        ids: set[str] = set()
        phones: set[int] = set()
        communities: set[str] = set()
        for data, victim in items:
            known = old.get(data.case_no)
            ids.update(r for r in (data.resident_id, victim.resident_id) if r)
            communities.update(c for c in (data.community, victim.community) if c)
            if data.phone_key:
                phones.add(data.phone_key)
            if known is not None:
                ids.update([known.victim_resident_id] if known.victim_resident_id else [])
                phones.update([known.victim_phone] if known.victim_phone else [])
                communities.update([known.community] if known.community else [])
        until = max(data.reported_at for data, _ in items)
        batch.warnings = WarningIndex(session, resident_ids=ids, phones=phones, until=until)
        communities.update(w.community for w in batch.warnings.all() if w.community)
        batch.stations = _stations(session, communities)
        return batch

    def case(self, session: Session, case_no: str) -> Case | None:
        """The stored case ``case_no`` (None when there is none)."""
        found = self.cases.pop(case_no, _Unknown)
        if found is _Unknown:
            return session.scalar(select(Case).where(Case.case_no == case_no))
        assert found is None or isinstance(found, Case)
        return found

    def accounts_of(self, session: Session, case: Case) -> list[CaseAccount]:
        """The stored accounts of ``case``, in entry order (a list of the caller's own)."""
        found = self.accounts.pop(case.id, None)
        if found is None:
            return service.accounts_of(session=session, case_ids=[case.id])[case.id]
        return list(found)

    def latest_warning(self, session: Session, case: Case) -> Warned | EarlyWarning | None:
        """The victim's latest warning before the report (as :func:`latest_warning`)."""
        if self.warnings is not None and self.warnings.covers(case):
            return self.warnings.latest(case)
        return latest_warning(session, case)

    def station_of_community(self, session: Session, community: str | None) -> str | None:
        """The active station owning ``community`` (as ``station_of_community``)."""
        if community and community in self.stations:
            return self.stations[community]
        return stations.station_of_community(session=session, community=community)

    def write_audit(self, session: Session) -> None:
        """Append the collected audit records, in order, and forget them."""
        if self.audits:
            audit.append_many(session=session, entries=self.audits)
        self.audits = []


def _stations(session: Session, communities: set[str]) -> dict[str, str | None]:
    """The active station of each community (None: outside the area or station inactive)."""
    found: dict[str, str | None] = dict.fromkeys(communities)
    if not communities:
        return found
    query = (
        select(Community.code, Community.station_code)
        .join(Station, Station.code == Community.station_code)
        .where(Community.code.in_(sorted(communities)), Station.active.is_(True))
    )
    for code, station in session.execute(query):
        found[code] = station
    return found
