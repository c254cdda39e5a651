"""Ingestion end to end: read, normalise, classify, write, quarantine, report, log.

All files of one :func:`ingest_files` call are one batch: they are normalised into one table,
de-duplicated together and written as one set of files (one per touched day for events).
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import shutil
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import cast

import duckdb

from fanzha.core.schemas import KINDS, Kind
from fanzha.errors import IngestError
from fanzha.ingest.classify import classify
from fanzha.ingest.ingest_log import append_log, sha256_of
from fanzha.ingest.outputs import count_files, quarantine_files, write_new_rows
from fanzha.ingest.progress import watch_query
from fanzha.ingest.quarantine import QuarantineRow
from fanzha.ingest.readers import open_source
from fanzha.ingest.readers.csvduck import drop_relation
from fanzha.ingest.report import FileReport, IngestReport
from fanzha.ingest.scan import Direct, direct_file, group_files, normalise_group
from fanzha.ingest.sql_macros import install
from fanzha.ingest.stage import Progress, create_norm, load_raw, normalise_raw
from fanzha.store.event_store import EventStore
from fanzha.store.event_writer import EventWriter

__all__ = ["ingest_files", "ingest_with", "kind_of", "open_database"]

log = logging.getLogger(__name__)


def kind_of(name: str) -> Kind:
    """The :class:`Kind` called ``name``; :class:`IngestError` when there is none."""
    if name not in KINDS:
        raise IngestError(f"unknown kind {name!r}; use one of {', '.join(KINDS)}")
    return KINDS[name]


@contextmanager
def open_database(
    store: EventStore, threads: int = 2, memory_limit: str = "8GB"
) -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory DuckDB for one or more imports into ``store`` (see :func:`ingest_with`)."""
    spill = store.root / ".staging" / "duckdb-tmp"
    con = duckdb.connect(
        config={
            "threads": threads,
            "memory_limit": memory_limit,
            "preserve_insertion_order": False,
            "temp_directory": spill.as_posix(),
        }
    )
    try:
        yield con
    finally:
        con.close()


def _session(database: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """A connection of its own (temporary tables, macros) to the shared ``database``."""
    con = database.cursor()
    con.execute("SET TimeZone = 'UTC'")
    install(con)
    return con


def _stage_file(
    con: duckdb.DuckDBPyConnection,
    kind: Kind,
    report: FileReport,
    index: int,
    options: dict[str, object],
) -> tuple[list[QuarantineRow], dict[str, str], Direct | None]:
    """Read one file into ``raw<index>`` and, unless it is :class:`Direct`, into ``norm``.

    Returns its reader rejects, its headers, and the :class:`Direct` file that is still to be
    normalised (with its kin, by :func:`_normalise_direct`), if it is one.
    """
    source = open_source(report.file, kind)
    report.extra_columns = source.extras
    progress = cast(Progress | None, options["progress"])
    table = f"raw{index}"
    pool = cast(ThreadPoolExecutor, options["pool"])
    digests = cast(dict[int, Future[str]], options["digests"])
    digests[index] = pool.submit(sha256_of, report.file)
    scratch = cast(Path, options["scratch"])
    load_raw(con, source, table, str(options["pseudonym_key"]), progress, scratch)
    rejects = [(r.row, r.column, r.reason, r.raw) for r in source.rejects]
    later = direct_file(source, index)
    if later is None:
        normalise_raw(con, kind, table, index, str(options["timezone"]))
    return rejects, source.headers, later


def ingest_files(
    kind: str,
    paths: Sequence[Path],
    store: EventStore,
    *,
    pseudonym_key: str,
    timezone: str = "Asia/Shanghai",
    progress: Progress | None = None,
    threads: int = 2,
    memory_limit: str = "8GB",
    check: bool = True,
) -> IngestReport:
    """Import ``paths`` (all of kind ``kind``) into ``store``.

    Unreadable files are recorded in the report (``FileReport.error``) and skipped. With
    ``check`` (the default) the report is checked at the end: :class:`IngestError` for an
    unreadable file, :class:`NothingValidError` when no row at all was valid.
    """
    with open_database(store, threads, memory_limit) as database:
        return ingest_with(
            database,
            kind,
            paths,
            store,
            pseudonym_key=pseudonym_key,
            timezone=timezone,
            progress=progress,
            check=check,
        )


def ingest_with(
    database: duckdb.DuckDBPyConnection,
    kind: str,
    paths: Sequence[Path],
    store: EventStore,
    *,
    pseudonym_key: str,
    timezone: str = "Asia/Shanghai",
    progress: Progress | None = None,
    check: bool = True,
) -> IngestReport:
    """:func:`ingest_files` in a ``database`` from :func:`open_database` (shared by imports)."""
    spec = kind_of(kind)
    reports = [FileReport(Path(p), kind) for p in paths]
    writer = EventWriter(store)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    batch_id = f"{stamp}-{secrets.token_hex(4)}"
    options: dict[str, object] = {
        "progress": progress,
        "pseudonym_key": pseudonym_key,
        "timezone": timezone,
        "scratch": store.root / ".staging" / f"{batch_id}-csv",
    }
    con = _session(database)
    try:
        create_norm(con, spec)
        rejects, headers = _stage_all(con, spec, reports, options)
        with writer.locked():
            span = classify(con, spec, writer)
            new, updated = write_new_rows(con, spec, writer, batch_id, span)
        count_files(con, reports, rejects, new, updated)
        quarantine_files(con, spec, store.root, stamp, reports, rejects, headers)
    finally:
        con.close()
        shutil.rmtree(cast(Path, options["scratch"]), ignore_errors=True)
    for report in reports:
        append_log(store.root, report, batch_id)
    result = IngestReport(reports)
    if check:
        result.check()
    return result


def _stage_all(
    con: duckdb.DuckDBPyConnection,
    spec: Kind,
    reports: list[FileReport],
    options: dict[str, object],
) -> tuple[dict[int, list[QuarantineRow]], dict[int, dict[str, str]]]:
    rejects: dict[int, list[QuarantineRow]] = {}
    headers: dict[int, dict[str, str]] = {}
    direct: list[Direct] = []
    digests: dict[int, Future[str]] = {}
    with ThreadPoolExecutor(max_workers=1) as pool:
        options |= {"pool": pool, "digests": digests}
        for index, report in enumerate(reports):
            try:
                rejects[index], headers[index], later = _stage_file(
                    con, spec, report, index, options
                )
            except IngestError as exc:
                log.warning("cannot ingest %s: %s", report.file.name, exc)
                report.error = exc
                con.execute("DELETE FROM norm WHERE _file = $i", {"i": index})
                drop_relation(con, f"raw{index}")
                continue
            if later is not None:
                direct.append(later)
        _normalise_direct(con, spec, direct, options)
        for index, digest in digests.items():
            if reports[index].error is None:
                reports[index].sha256 = digest.result()
    return rejects, headers


def _normalise_direct(
    con: duckdb.DuckDBPyConnection, spec: Kind, direct: list[Direct], options: dict[str, object]
) -> None:
    """Normalise the direct Parquet files, one statement per group of alike files."""
    progress = cast(Progress | None, options["progress"])
    for group in group_files(direct):
        total = sum(f.rows for f in group)
        with watch_query(con, progress, group[-1].path.name, total):
            normalise_group(con, spec, group, str(options["timezone"]))
