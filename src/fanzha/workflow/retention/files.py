"""Event-store files past retention: day partitions of event kinds, and quarantine files.

Events are stored as ``events/<kind>/day=YYYY-MM-DD/*.parquet`` (see
:mod:`fanzha.store.event_store`): a whole day folder older than the cutoff's day is deleted.
Quarantine files (``quarantine/<kind>/*.csv``, rejected rows with their raw content) go when
their modification time is older than the cutoff. Upstream leads (``tables/leads.parquet``,
phone numbers and ID pseudonyms) whose ``time`` is before the cutoff are dropped from the
table (rewritten atomically). The other small tables (residents, jurisdictions, indicators)
are current registries, not history, and are left alone. Everything runs under the store's
write lock, so it never races an import.
"""

from __future__ import annotations

import datetime as dt
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

import duckdb

from fanzha.core.schemas import KINDS
from fanzha.store.event_store import EventStore
from fanzha.store.event_writer import EventWriter, sql_path

__all__ = ["ExpiredFiles", "delete_expired", "find_expired"]


@dataclass(frozen=True)
class ExpiredFiles:
    """Day partitions and quarantine files older than the cutoff."""

    partitions: tuple[Path, ...]
    quarantine: tuple[Path, ...]
    lead_rows: int = 0  # rows of tables/leads.parquet before the cutoff

    @property
    def files(self) -> int:
        """Parquet files in the partitions plus quarantine files."""
        return sum(len(list(p.glob("*.parquet"))) for p in self.partitions) + len(self.quarantine)

    @property
    def bytes(self) -> int:
        """Their size on disk."""
        sizes = [f.stat().st_size for p in self.partitions for f in p.glob("*.parquet")]
        return sum(sizes) + sum(f.stat().st_size for f in self.quarantine)


def find_expired(store: EventStore | None, cutoff: dt.datetime) -> ExpiredFiles:
    """What :func:`delete_expired` would delete (nothing without a store)."""
    if store is None:
        return ExpiredFiles((), ())
    return ExpiredFiles(
        _partitions(store, cutoff.date()),
        _quarantine(store.root, cutoff),
        _old_leads(store, cutoff, keep=False),
    )


def delete_expired(store: EventStore, expired: ExpiredFiles, cutoff: dt.datetime) -> None:
    """Delete the partitions and files and drop old leads, under the store's write lock."""
    writer = EventWriter(store)
    with writer.locked():
        for folder in expired.partitions:
            shutil.rmtree(folder, ignore_errors=True)
        for path in expired.quarantine:
            path.unlink(missing_ok=True)
        if expired.lead_rows:
            _old_leads(store, cutoff, keep=True, writer=writer)


def _old_leads(
    store: EventStore, cutoff: dt.datetime, *, keep: bool, writer: EventWriter | None = None
) -> int:
    """Count the leads before the cutoff or (``keep``) rewrite the table without them."""
    path = store.table_path("leads")
    if not path.exists():
        return 0
    con = duckdb.connect()
    try:
        source = f"read_parquet({sql_path(path)})"
        if not keep:
            query = f'SELECT count(*) FROM {source} WHERE "time" < $cutoff'  # noqa: S608
            row = con.execute(query, {"cutoff": cutoff}).fetchone()
            return int(row[0]) if row else 0
        assert writer is not None
        kept = f'SELECT * FROM {source} WHERE "time" IS NULL OR "time" >= $cutoff'  # noqa: S608
        writer.write_table(con, "leads", kept, {"cutoff": cutoff}, f"retention-{uuid.uuid4().hex}")
        return 0
    finally:
        con.close()


def _partitions(store: EventStore, before: dt.date) -> tuple[Path, ...]:
    found: list[Path] = []
    for kind in sorted(k for k, spec in KINDS.items() if spec.is_event):
        for folder in sorted(store.events_dir(kind).glob("day=*")):
            day = _day(folder.name)
            if day is not None and day < before:
                found.append(folder)
    return tuple(found)


def _day(name: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(name.removeprefix("day="))
    except ValueError:
        return None  # not a partition folder: never touched


def _quarantine(root: Path, cutoff: dt.datetime) -> tuple[Path, ...]:
    limit = cutoff.timestamp()
    files = sorted((root / "quarantine").glob("*/*.csv"))
    return tuple(f for f in files if f.stat().st_mtime < limit)
