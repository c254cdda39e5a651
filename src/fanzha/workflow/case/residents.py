"""Finding a case's victim in the resident registry of the event store (by phone or ID).

The importer asks once per file for every phone and ID pseudonym in it (one DuckDB query over
``residents`` joined to ``jurisdictions``), then per case: the resident's pseudonym, community,
station and age at the report. Without an event store nothing is found, and cases are still
linked to warnings by phone in :mod:`fanzha.workflow.case.flows`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from fanzha.core import phone as phones
from fanzha.store.event_store import EventStore
from fanzha.workflow.case.linking import Victim

__all__ = ["ResidentIndex"]

_QUERY = """
SELECT r.phone, r.resident_id, r.birth_year, r.community, j.station
FROM residents r LEFT JOIN jurisdictions j ON j.community = r.community
WHERE r.phone IN (SELECT unnest($phones)) OR r.resident_id IN (SELECT unnest($ids))
"""


@dataclass(frozen=True)
class _Resident:
    resident_id: str
    birth_year: int | None
    community: str | None
    station: str | None


class ResidentIndex:
    """Residents by phone key and by pseudonym, for the phones and IDs of one file."""

    def __init__(self, store: EventStore | None, threads: int = 2) -> None:
        self.store = store
        self.threads = threads
        self._by_phone: dict[int, _Resident] = {}
        self._by_id: dict[str, _Resident] = {}

    def load(self, *, phones: list[str | None], id_hashes: list[str | None]) -> None:
        """Look up every given phone (any written form) and ID pseudonym at once."""
        keys = sorted({phones_key for p in phones if p and (phones_key := _key(p))})
        ids = sorted({i for i in id_hashes if i})
        if self.store is None or not (keys or ids):
            return
        con = self.store.connect(threads=self.threads, memory_limit="1GB")
        try:
            rows = con.execute(_QUERY, {"phones": keys, "ids": ids}).fetchall()
        finally:
            con.close()
        for key, rid, born, community, station in rows:
            found = _Resident(str(rid), None if born is None else int(born), community, station)
            self._by_phone[int(key)] = found
            self._by_id[str(rid)] = found

    def victim(self, *, phone: str | None, id_hash: str | None, at: dt.datetime) -> Victim:
        """The registry's facts about a victim (empty when not a known resident)."""
        found = self._by_id.get(id_hash or "")
        key = _key(phone) if phone else None
        if found is None and key is not None:
            found = self._by_phone.get(key)
        if found is None:
            return Victim(resident_id=id_hash)
        age = at.year - found.birth_year if found.birth_year else None
        return Victim(found.resident_id, found.community, found.station, age)


def _key(text: str) -> int | None:
    try:
        return phones.parse(text)
    except phones.PhoneError:
        return None
