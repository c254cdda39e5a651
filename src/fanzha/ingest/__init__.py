"""Ingestion: read source files, validate and normalise every row, quarantine what fails,
de-duplicate, and write the rest to the event store.

Public API::

    report = ingest_files("calls", [Path("calls.csv")], EventStore(data_dir),
                          pseudonym_key=key, timezone="Asia/Shanghai")
    report = ingest_directory(Path("sim-out"), EventStore(data_dir), pseudonym_key=key)

See ``docs/data-formats.md`` for the formats, the stored form and the quarantine files.
"""

from __future__ import annotations

from fanzha.ingest.directory import LOAD_ORDER, ingest_directory
from fanzha.ingest.pipeline import ingest_files
from fanzha.ingest.report import FileReport, IngestReport

__all__ = ["LOAD_ORDER", "FileReport", "IngestReport", "ingest_directory", "ingest_files"]
