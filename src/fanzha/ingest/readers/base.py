"""What every reader returns: a :class:`Source` of Arrow batches plus the rows it rejected."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa

from fanzha.ingest.idnumbers import mask_id, mask_ids_in_text

if TYPE_CHECKING:
    from fanzha.ingest.readers.csvduck import CsvPlan

__all__ = ["BATCH_ROWS", "ROW", "Reject", "RowBuffer", "Source", "cell_text", "raw_json"]

BATCH_ROWS = 65_536
ROW = "_row"  # row number column added by every reader


@dataclass(frozen=True)
class Reject:
    """A row a reader could not turn into fields (wrong field count, broken JSON …)."""

    row: int
    column: str
    reason: str
    raw: str  # the original row as JSON, ID numbers masked


@dataclass
class Source:
    """An opened input file, ready to stream.

    ``batches`` yields Arrow record batches with an int64 ``_row`` column and one column per
    recognised schema column (named as in the schema), plus ``__x<n>`` columns for the extra
    columns of text formats (kept only to show the whole row in quarantine files).
    """

    path: Path
    headers: dict[str, str]  # batch column name -> header text in the file
    extras: tuple[str, ...]
    batches: Iterator[pa.RecordBatch]
    total_rows: int | None = None
    rejects: list[Reject] = field(default_factory=list)
    parquet_columns: dict[str, str] | None = None  # Parquet: name -> column in the file
    csv_plan: CsvPlan | None = None  # CSV: a csvduck.CsvPlan for DuckDB's reader (the fast path)


def cell_text(value: object) -> str | None:
    """A cell value as text, the way a person would have typed it."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def raw_json(names: Sequence[str], values: Sequence[object], id_names: frozenset[str]) -> str:
    """The row as a JSON object (a list when it has more fields than names), IDs masked."""
    texts = [cell_text(v) for v in values]
    masked = [
        mask_id(t) if i < len(names) and names[i] in id_names else t for i, t in enumerate(texts)
    ]
    if len(values) > len(names):
        return mask_ids_in_text(json.dumps(masked, ensure_ascii=False, separators=(",", ":")))
    return mask_ids_in_text(
        json.dumps(
            dict(zip(names, masked, strict=False)), ensure_ascii=False, separators=(",", ":")
        )
    )


class RowBuffer:
    """Collects text rows and emits Arrow batches of string columns."""

    def __init__(self, names: Sequence[str], positions: Sequence[int]) -> None:
        self.names = list(names)
        self.positions = list(positions)
        self.schema = pa.schema([(ROW, pa.int64())] + [(n, pa.string()) for n in self.names])
        self._rows: list[int] = []
        self._cells: list[list[str | None]] = [[] for _ in self.names]

    def add(self, row: int, fields: Sequence[object]) -> None:
        """Add one row (``fields`` in file order)."""
        self._rows.append(row)
        width = len(fields)
        for cells, position in zip(self._cells, self.positions, strict=True):
            cells.append(cell_text(fields[position]) if position < width else None)

    def full(self) -> bool:
        """True when a batch's worth of rows is waiting."""
        return len(self._rows) >= BATCH_ROWS

    def flush(self) -> pa.RecordBatch:
        """The waiting rows as a batch (possibly empty)."""
        arrays = [pa.array(self._rows, pa.int64())]
        arrays += [pa.array(cells, pa.string()) for cells in self._cells]
        self._rows = []
        self._cells = [[] for _ in self.names]
        return pa.RecordBatch.from_arrays(arrays, schema=self.schema)
