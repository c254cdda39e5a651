"""The write side of the event store: atomic Parquet files, day partitions, table upserts.

Nothing is ever written in place. New files are written under ``<data_dir>/.staging/`` and
moved into the store with :func:`os.replace` (atomic on one file system), so a crash leaves at
most a stale staging folder, never half a file in ``events/`` or ``tables/``. Writers take an
exclusive lock on ``<data_dir>/.ingest.lock`` so two imports cannot interleave.

Event files: ``events/<kind>/day=YYYY-MM-DD/<batch-id>.parquet`` holding the kind's stored
columns plus ``row_key``. Table files: ``tables/<kind>.parquet``, rewritten whole.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from fanzha.core.schemas import KINDS
from fanzha.errors import StoreError
from fanzha.store.event_store import EventStore

__all__ = ["EventWriter", "days_between", "sql_path", "write_text_atomic"]

_SEPARATE_DAYS = 4  # up to this many days: one plain COPY per day; more: PARTITION_BY


def sql_path(path: Path) -> str:
    """A path as a quoted SQL string literal (paths come from settings, not from files)."""
    return "'" + path.as_posix().replace("'", "''") + "'"


def days_between(span: tuple[object, ...] | None) -> list[str]:
    """The days (``YYYY-MM-DD``) from ``span[0]`` to ``span[1]`` (two datetimes or NULLs)."""
    if span is None or not isinstance(span[0], dt.datetime) or not isinstance(span[1], dt.datetime):
        return []
    first, last = span[0].date(), span[1].date()
    return [str(first + dt.timedelta(days=n)) for n in range((last - first).days + 1)]


def _span_days(span: tuple[object, ...]) -> list[str] | None:
    """The days of ``span``; None when it is not two datetimes or has more than
    :data:`_SEPARATE_DAYS` days (then the rows are looked at)."""
    first, last = (span[0], span[1]) if len(span) >= 2 else (None, None)
    if not isinstance(first, dt.datetime) or not isinstance(last, dt.datetime):
        return None
    if (last.date() - first.date()).days >= _SEPARATE_DAYS:
        return None
    return days_between(span)


def _found_days(
    con: duckdb.DuckDBPyConnection, select_sql: str, params: dict[str, object], time_column: str
) -> list[str]:
    """The days of the rows of ``select_sql`` (a pass over them; at most one too many)."""
    found = con.execute(
        f'SELECT DISTINCT CAST(CAST("{time_column}" AS DATE) AS VARCHAR) '  # noqa: S608
        f"FROM ({select_sql}) LIMIT {_SEPARATE_DAYS + 1}",
        params,
    ).fetchall()
    return sorted(str(d) for (d,) in found if d is not None)


class EventWriter:
    """Writes batches of stored rows into an :class:`EventStore`."""

    def __init__(self, store: EventStore) -> None:
        self.store = store
        self.root = store.root

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the data directory's write lock."""
        self.root.mkdir(parents=True, exist_ok=True)
        with (self.root / ".ingest.lock").open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def staging_dir(self, batch_id: str) -> Path:
        """A fresh folder for files that are not in the store yet."""
        path = self.root / ".staging" / batch_id
        path.mkdir(parents=True, exist_ok=True)
        return path

    def files_between(self, kind: str, span: tuple[object, ...] | None) -> list[Path]:
        """Existing files of the day partitions from ``span[0]`` to ``span[1]`` (datetimes).

        Lists the partitions that exist rather than every day of the span, so one stray
        time decades away costs nothing.
        """
        if span is None or len(span) < 2:
            return []
        start, end = span[0], span[1]
        if not isinstance(start, dt.datetime) or not isinstance(end, dt.datetime):
            return []
        first, last = f"day={start.date()}", f"day={end.date()}"
        folders = sorted(self.store.events_dir(kind).glob("day=*"))
        return [f for d in folders if first <= d.name <= last for f in sorted(d.glob("*.parquet"))]

    def day_files(self, kind: str, days: list[str]) -> list[Path]:
        """Existing files of the given day partitions of an event kind."""
        files: list[Path] = []
        for day in days:
            files.extend(sorted(self.store.day_dir(kind, day).glob("*.parquet")))
        return files

    def write_events(
        self,
        con: duckdb.DuckDBPyConnection,
        kind: str,
        select_sql: str,
        params: dict[str, object],
        batch_id: str,
        *,
        span: tuple[object, ...] | None = None,
    ) -> list[Path]:
        """Write the rows of ``select_sql`` (stored columns + row_key) into day partitions.

        ``span``, when given, is a (min, max) of datetimes that holds every row's time: the
        days are then taken from it instead of from a pass over the rows (a day of the span
        without rows gets no file).
        """
        time_column = KINDS[kind].time_column
        if time_column is None:
            raise StoreError("not an event kind", kind=kind)
        staging = self.staging_dir(batch_id) / kind
        days = _span_days(span) if span is not None else None
        if days is None:
            days = _found_days(con, select_sql, params, time_column)
        if len(days) <= _SEPARATE_DAYS:
            for day in days:
                self._copy_day(con, staging, select_sql, params, time_column, day)
        else:
            con.execute(
                f'COPY (SELECT *, CAST("{time_column}" AS DATE) AS day FROM ({select_sql})) '  # noqa: S608
                f"TO {sql_path(staging)} (FORMAT parquet, PARTITION_BY (day), OVERWRITE_OR_IGNORE)",
                params,
            )
        written = self._publish_days(kind, staging, batch_id)
        shutil.rmtree(staging.parent, ignore_errors=True)
        return written

    @staticmethod
    def _copy_day(
        con: duckdb.DuckDBPyConnection,
        staging: Path,
        select_sql: str,
        params: dict[str, object],
        time_column: str,
        day: str,
    ) -> None:
        target = staging / f"day={day}"
        target.mkdir(parents=True, exist_ok=True)
        start = dt.datetime.fromisoformat(day)
        where = f'"{time_column}" >= $day_start AND "{time_column}" < $day_end'
        con.execute(
            f"COPY (SELECT * FROM ({select_sql}) WHERE {where}) "  # noqa: S608
            f"TO {sql_path(target / 'data_0.parquet')} (FORMAT parquet)",
            {**params, "day_start": start, "day_end": start + dt.timedelta(days=1)},
        )
        if pq.ParquetFile(target / "data_0.parquet").metadata.num_rows == 0:
            (target / "data_0.parquet").unlink()
            target.rmdir()  # a day of the span without rows: no folder in the store either

    def _publish_days(self, kind: str, staging: Path, batch_id: str) -> list[Path]:
        written: list[Path] = []
        for folder in sorted(staging.glob("day=*")):
            target_dir = self.store.events_dir(kind) / folder.name
            target_dir.mkdir(parents=True, exist_ok=True)
            for n, part in enumerate(sorted(folder.glob("*.parquet"))):
                target = target_dir / (
                    f"{batch_id}.parquet" if n == 0 else f"{batch_id}-{n}.parquet"
                )
                part.replace(target)
                written.append(target)
        return written

    def write_table(
        self,
        con: duckdb.DuckDBPyConnection,
        kind: str,
        select_sql: str,
        params: dict[str, object],
        batch_id: str,
    ) -> Path:
        """Replace a small table's file by the rows of ``select_sql``, atomically."""
        staging = self.staging_dir(batch_id) / f"{kind}.parquet"
        con.execute(f"COPY ({select_sql}) TO {sql_path(staging)} (FORMAT parquet)", params)
        target = self.store.table_path(kind)
        target.parent.mkdir(parents=True, exist_ok=True)
        staging.replace(target)
        shutil.rmtree(staging.parent, ignore_errors=True)
        return target


def write_text_atomic(path: Path, text: str) -> None:
    """Write a text file via a temporary file and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(path)
