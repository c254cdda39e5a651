"""Quarantine files: every rejected row with its row number, column, reason and masked raw form.

``<data_dir>/quarantine/<kind>/<UTC timestamp>-<source file name>.csv`` with the columns
``file,row,column,reason,raw``. ``raw`` is the original row as JSON, ID numbers masked.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from fanzha.ingest.idnumbers import mask_ids_in_text
from fanzha.store.event_writer import write_text_atomic

__all__ = ["QuarantineRow", "reason_class", "write_quarantine"]

QuarantineRow = tuple[int, str, str, str]  # row, column, reason, raw JSON
FIELDS = ("file", "row", "column", "reason", "raw")
_NUMBER = re.compile(r"\b(row|has) \d+")


def reason_class(column: str, reason: str) -> str:
    """A reason without its row numbers, for counting (``duplicate of row N``)."""
    text = _NUMBER.sub(r"\1 N", reason)
    return f"{column}: {text}" if column else text


def quarantine_path(data_dir: Path, kind: str, source: Path, stamp: str) -> Path:
    """Where the quarantine file of one source file goes."""
    return data_dir / "quarantine" / kind / f"{stamp}-{source.name}.csv"


def write_quarantine(
    data_dir: Path, kind: str, source: Path, stamp: str, rows: Iterable[QuarantineRow]
) -> tuple[Path | None, Counter[str]]:
    """Write the rows (sorted by row number); return the file (None if no rows) and reasons."""
    ordered = sorted(rows, key=lambda r: r[0])
    reasons: Counter[str] = Counter(reason_class(col, why) for _row, col, why, _raw in ordered)
    if not ordered:
        return None, reasons
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(FIELDS)
    for row, column, reason, raw in ordered:
        writer.writerow((source.name, row, column, reason, mask_ids_in_text(raw or "")))
    path = quarantine_path(data_dir, kind, source, stamp)
    write_text_atomic(path, buffer.getvalue())
    return path, reasons
