"""Lead matching: a lead's ID number or phone number → a resident of the registry.

``domain.md`` step 2: the match gives the jurisdiction (community, and the station owning it)
and the person's profile. Leads entered by hand or pushed by partners are matched here before
they are routed; detection's own warnings are matched inside its SQL plan.

The registry is the event store's ``tables/residents.parquet`` (phones as int64 E.164 keys,
ID numbers only as keyed HMAC pseudonyms, which are the residents' ``resident_id``) and
``tables/jurisdictions.parquet`` (community → station). A web request must stay cheap, so
:class:`ResidentMatcher` keeps a small sorted index in memory (numpy arrays: ~30 MB and
~1 s to build for 800 k residents; a lookup is a binary search, microseconds — a DuckDB
point query on the Parquet file takes 15–35 ms). The index is rebuilt when either file
changes (size or modification time, checked at most once per ``recheck_s`` seconds), and
is empty when there is no event store: no match, and the lead goes to the centre queue as
before.

A phone shared by several residents matches the smallest ``resident_id``, as detection does.
An ID number takes precedence over a phone (it names the person; a phone may be shared).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from fanzha.core import idcard
from fanzha.errors import WorkflowError
from fanzha.store.event_store import EventStore

__all__ = ["MatchedBy", "ResidentMatch", "ResidentMatcher"]

logger = logging.getLogger(__name__)
MatchedBy = Literal["phone", "id_number"]
_Stamp = tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class ResidentMatch:
    """The resident a lead was matched to, and by what."""

    resident_id: str
    community: str | None
    station: str | None
    by: MatchedBy


@dataclass(frozen=True)
class _Index:
    """Residents sorted by pseudonym and by phone; rows are the registry file's row numbers.

    Row numbers are int32 and communities dictionary codes, so 800 k residents take ~40 MB.
    """

    ids: npt.NDArray[np.bytes_]  # sorted pseudonyms
    id_rows: npt.NDArray[np.int32]  # row of each sorted pseudonym
    id_rank: npt.NDArray[np.int32]  # position in ``ids`` of each row
    phones: npt.NDArray[np.int64]  # sorted; rows without a phone left out
    phone_rows: npt.NDArray[np.int32]
    community_codes: npt.NDArray[np.int32]  # -1: no community
    community_names: list[str]
    stations: dict[str, str | None]

    def by_phone(self, key: int) -> int | None:
        at = int(np.searchsorted(self.phones, key, side="left"))
        if at < len(self.phones) and int(self.phones[at]) == key:
            return int(self.phone_rows[at])
        return None

    def by_id(self, pseudonym: str) -> int | None:
        needle = np.bytes_(pseudonym.encode())
        at = int(np.searchsorted(self.ids, needle, side="left"))
        if at < len(self.ids) and self.ids[at] == needle:
            return int(self.id_rows[at])
        return None

    def resident(self, row: int, by: MatchedBy) -> ResidentMatch:
        code = int(self.community_codes[row])
        community = self.community_names[code] if code >= 0 else None
        station = self.stations.get(community) if community is not None else None
        resident_id = bytes(self.ids[self.id_rank[row]]).decode()
        return ResidentMatch(resident_id, community, station, by)


_EMPTY = _Index(
    ids=np.zeros(0, "S1"),
    id_rows=np.zeros(0, np.int32),
    id_rank=np.zeros(0, np.int32),
    phones=np.zeros(0, np.int64),
    phone_rows=np.zeros(0, np.int32),
    community_codes=np.zeros(0, np.int32),
    community_names=[],
    stations={},
)


class ResidentMatcher:
    """Matches leads to residents of one event store (``store=None``: never matches)."""

    def __init__(
        self, store: EventStore | None, pseudonym_key: str, *, recheck_s: float = 5.0
    ) -> None:
        self.store = store
        self._key = pseudonym_key
        self._recheck_s = recheck_s
        self._index = _EMPTY
        self._stamp: _Stamp | None = None
        self._checked = float("-inf")
        self._lock = threading.Lock()

    def match(
        self, *, phone: int | None = None, id_number: str | None = None
    ) -> ResidentMatch | None:
        """The resident with this ID number (first) or phone key, or ``None``.

        An ID number that is not a valid 18-digit number is a :class:`WorkflowError`.
        """
        pseudonym = self._pseudonym(id_number)
        index = self._current()
        if pseudonym is not None and (row := index.by_id(pseudonym)) is not None:
            return index.resident(row, "id_number")
        if phone is not None and (row := index.by_phone(phone)) is not None:
            return index.resident(row, "phone")
        return None

    def size(self) -> int:
        """Number of resident rows in the current index (loads it if needed)."""
        return len(self._current().ids)

    def warm(self) -> int:
        """Build the index now (the server does it at start-up, not on the first lead)."""
        return self.size()

    def _pseudonym(self, id_number: str | None) -> str | None:
        if id_number is None or not id_number.strip():
            return None
        try:
            return idcard.pseudonymise(id_number, self._key)
        except idcard.IdNumberError as exc:
            raise WorkflowError(str(exc), field="id_number") from exc

    def _current(self) -> _Index:
        if self.store is None:
            return _EMPTY
        now = time.monotonic()
        if now - self._checked < self._recheck_s:
            return self._index
        with self._lock:
            if now - self._checked >= self._recheck_s:
                self._refresh()
                self._checked = time.monotonic()
            return self._index

    def _refresh(self) -> None:
        assert self.store is not None
        paths = (self.store.table_path("residents"), self.store.table_path("jurisdictions"))
        stamp = tuple(_stat(p) for p in paths)
        if stamp == self._stamp:
            return
        started = time.perf_counter()
        self._index = _build(*paths) if stamp[0] != (0, 0) else _EMPTY
        self._stamp = stamp
        logger.info(
            "resident index: %d rows in %.2f s",
            len(self._index.ids),
            time.perf_counter() - started,
        )


def _stat(path: Path) -> tuple[int, int]:
    try:
        info = path.stat()
    except FileNotFoundError:
        return (0, 0)
    return (info.st_size, info.st_mtime_ns)


def _build(residents: Path, jurisdictions: Path) -> _Index:
    table = pq.read_table(residents, columns=["resident_id", "phone", "community"])
    table = table.filter(pc.is_valid(table["resident_id"]))
    ids = np.array(table["resident_id"].to_pylist(), dtype=np.bytes_)
    with_phone = len(table) - table["phone"].null_count
    keys = [("phone", "ascending"), ("resident_id", "ascending")]
    order = pc.sort_indices(table, sort_keys=keys)[:with_phone]  # nulls sort last
    by_phone = order.to_numpy().astype(np.int32)
    phones = pc.take(table["phone"], order).to_numpy().astype(np.int64)
    community = pc.dictionary_encode(table["community"].combine_chunks())
    id_rows = np.argsort(ids, kind="stable").astype(np.int32)
    id_rank = np.empty_like(id_rows)
    id_rank[id_rows] = np.arange(len(id_rows), dtype=np.int32)
    return _Index(
        ids=ids[id_rows],
        id_rows=id_rows,
        id_rank=id_rank,
        phones=phones,
        phone_rows=by_phone,
        community_codes=pc.fill_null(community.indices, -1).to_numpy().astype(np.int32),
        community_names=community.dictionary.to_pylist(),
        stations=_stations(jurisdictions),
    )


def _stations(path: Path) -> dict[str, str | None]:
    if not path.exists():
        return {}
    table: pa.Table = pq.read_table(path, columns=["community", "station"])
    return dict(zip(table["community"].to_pylist(), table["station"].to_pylist(), strict=True))
