"""Loading a simulator output folder: ``DIR/<kind>/part-*.<format>`` in dependency order."""

from __future__ import annotations

from pathlib import Path

from fanzha.errors import IngestError
from fanzha.ingest.pipeline import ingest_with, open_database
from fanzha.ingest.readers import format_of
from fanzha.ingest.report import IngestReport
from fanzha.ingest.stage import Progress
from fanzha.store.event_store import EventStore

__all__ = ["LOAD_ORDER", "ingest_directory", "parts_of"]

LOAD_ORDER = (
    "jurisdictions",
    "residents",
    "indicators",
    "leads",
    "calls",
    "sms",
    "url_visits",
    "app_events",
    "transfers",
)


def parts_of(directory: Path, kind: str) -> list[Path]:
    """The part files of one kind in a simulator folder (``part-*`` in any supported format)."""
    folder = directory / kind
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("part-*") if p.is_file() and format_of(p))


def ingest_directory(
    directory: Path,
    store: EventStore,
    *,
    pseudonym_key: str,
    timezone: str = "Asia/Shanghai",
    progress: Progress | None = None,
    threads: int = 2,
    memory_limit: str = "8GB",
    check: bool = True,
) -> IngestReport:
    """Import every kind in ``directory`` (``manifest.json`` and ``ground_truth/`` ignored)."""
    directory = Path(directory)
    if not directory.is_dir():
        raise IngestError("no such folder", file=str(directory))
    report = IngestReport()
    with open_database(store, threads, memory_limit) as database:
        for kind in LOAD_ORDER:
            paths = parts_of(directory, kind)
            if paths:
                report.extend(
                    ingest_with(
                        database,
                        kind,
                        paths,
                        store,
                        pseudonym_key=pseudonym_key,
                        timezone=timezone,
                        progress=progress,
                        check=False,
                    )
                )
    if not report.files:
        raise IngestError(
            "no part files found (expected <kind>/part-*.parquet …)", file=str(directory)
        )
    if check:
        report.check()
    return report
