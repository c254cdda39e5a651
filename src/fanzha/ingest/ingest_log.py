"""The ingest log: one JSON line per imported file in ``<data_dir>/ingest_log.jsonl``."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from pathlib import Path

from fanzha.ingest.report import FileReport

__all__ = ["append_log", "sha256_of"]


def sha256_of(path: Path) -> str:
    """SHA-256 of a file's bytes (hex)."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 22):
            digest.update(chunk)
    return digest.hexdigest()


def append_log(data_dir: Path, report: FileReport, batch_id: str) -> None:
    """Append one file's outcome to the log."""
    entry = {
        "time": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "batch": batch_id,
        "file": str(report.file),
        "sha256": report.sha256,
        "kind": report.kind,
        "rows_read": report.rows_read,
        "new": report.new,
        "already_present": report.already_present,
        "updated": report.updated,
        "quarantined": report.quarantined,
        "quarantine_file": str(report.quarantine_file) if report.quarantine_file else None,
        "extra_columns": list(report.extra_columns),
        "error": str(report.error) if report.error else None,
    }
    data_dir.mkdir(parents=True, exist_ok=True)
    line = (json.dumps(entry, ensure_ascii=False) + "\n").encode("utf-8")
    # one write(2) on an O_APPEND descriptor: a killed import never leaves half a line
    handle = os.open(data_dir / "ingest_log.jsonl", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(handle, line)
    finally:
        os.close(handle)
