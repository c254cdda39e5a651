"""Ingestion end to end: read, normalise, classify, write, quarantine, report, log.

All files of one :func:`ingest_files` call are one batch: they are normalised into one table,
de-duplicated together and written as one set of files (one per touched day for events).
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import shutil
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
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
from fanzha.ingest.sql_macros import install
from fanzha.ingest.stage import Progress, create_norm, load_raw, normalise_raw
from fanzha.store.event_store import EventStore
from fanzha.store.event_writer import EventWriter

__all__ = ["ingest_files", "kind_of"]

log = logging.getLogger(__name__)


def kind_of(name: str) -> Kind:
    """The :class:`Kind` called ``name``; :class:`IngestError` when there is none."""
    if name not in KINDS:
        raise IngestError(f"unknown kind {name!r}; use one of {', '.join(KINDS)}")
    return KINDS[name]


def _connect(store: EventStore, threads: int, memory_limit: str) -> duckdb.DuckDBPyConnection:
    spill = store.root / ".staging" / "duckdb-tmp"
    con = duckdb.connect(
        config={
            "threads": threads,
            "memory_limit": memory_limit,
            "preserve_insertion_order": False,
            "temp_directory": spill.as_posix(),
        }
    )
    con.execute("SET TimeZone = 'UTC'")
    install(con)
    return con


def _stage_file(
    con: duckdb.DuckDBPyConnection,
    kind: Kind,
    report: FileReport,
    index: int,
    options: dict[str, object],
) -> tuple[list[QuarantineRow], dict[str, str]]:
    """Read one file into ``raw<index>`` and ``norm``; return its reader rejects and headers."""
    source = open_source(report.file, kind)
    report.extra_columns = source.extras
    progress = cast(Progress | None, options["progress"])
    table = f"raw{index}"
    with ThreadPoolExecutor(max_workers=1) as pool:
        digest = pool.submit(sha256_of, report.file)
        scratch = cast(Path, options["scratch"])
        load_raw(con, source, table, str(options["pseudonym_key"]), progress, scratch)
        direct = source.parquet_columns is not None and "id_number" not in source.headers
        total = source.total_rows if direct else None
        with watch_query(con, progress, report.file.name, total):
            normalise_raw(con, kind, table, index, str(options["timezone"]))
        report.sha256 = digest.result()
    return [(r.row, r.column, r.reason, r.raw) for r in source.rejects], source.headers


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
    con = _connect(store, threads, memory_limit)
    try:
        create_norm(con, spec)
        rejects, headers = _stage_all(con, spec, reports, options)
        with writer.locked():
            classify(con, spec, writer)
            updated = write_new_rows(con, spec, writer, batch_id, reports)
        count_files(con, reports, rejects, updated)
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
    for index, report in enumerate(reports):
        try:
            rejects[index], headers[index] = _stage_file(con, spec, report, index, options)
        except IngestError as exc:
            log.warning("cannot ingest %s: %s", report.file.name, exc)
            report.error = exc
            con.execute("DELETE FROM norm WHERE _file = $i", {"i": index})
            drop_relation(con, f"raw{index}")
    return rejects, headers
