"""Open a CSV (UTF-8/UTF-16/GBK/GB18030, delimiter sniffed) or XLSX file of one input kind,
row by row, for the importers that save through the workflow (cases, volunteers).

For any :class:`~fanzha.core.schemas.Kind`: headers matched with the kind's aliases, rows
streamed as ``(row number as a spreadsheet shows it, {column: text})``, rows the CSV reader
itself could not split returned in ``rejects``, the number of data rows when the format says
it (XLSX) for a progress bar.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import openpyxl

from fanzha.core.schemas import Kind
from fanzha.errors import IngestError
from fanzha.ingest.headers import match_headers
from fanzha.ingest.idnumbers import mask_id
from fanzha.ingest.readers import format_of
from fanzha.ingest.readers.base import cell_text
from fanzha.ingest.readers.csvfile import read_csv

__all__ = ["Reader", "Row", "open_table", "raw_json"]

Row = tuple[int, dict[str, str | None]]


@dataclass
class Reader:
    """The rows of a file, the matched headers and what the reader refused."""

    rows: Iterator[Row]
    headers: dict[str, str]  # schema column -> header in the file
    extras: tuple[str, ...]
    rejects: list[tuple[int, str, str, str]]
    total: int | None = None  # data rows, when known before reading (XLSX)


def open_table(path: Path, kind: Kind, sheet: str | None = None) -> Reader:
    """Open ``path``; :class:`IngestError` when it cannot be read at all."""
    path = Path(path)
    fmt = format_of(path)
    if not path.is_file():
        raise IngestError("no such file", file=str(path))
    if fmt in (".csv", ".tsv", ".txt"):
        return _open_csv(path, kind)
    if fmt == ".xlsx":
        return _open_xlsx(path, kind, sheet)
    raise IngestError(f"unsupported file format for {kind.name} (use CSV or XLSX)", file=path.name)


def _open_csv(path: Path, kind: Kind) -> Reader:
    source = read_csv(path, kind)
    names = [n for n in source.headers if not n.startswith("__")]
    reader = Reader(iter(()), {n: source.headers[n] for n in names}, source.extras, [])

    def rows() -> Iterator[Row]:
        for batch in source.batches:
            for item in batch.to_pylist():
                yield int(item["_row"]), {n: item.get(n) for n in names}
        reader.rejects += [(r.row, r.column, r.reason, r.raw) for r in source.rejects]

    reader.rows = rows()
    return reader


def _open_xlsx(path: Path, kind: Kind, sheet: str | None) -> Reader:
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise IngestError(f"not a readable XLSX workbook: {exc}", file=path.name) from exc
    if sheet is not None and sheet not in book.sheetnames:
        book.close()
        raise IngestError(
            f"no sheet {sheet!r} (sheets: {', '.join(book.sheetnames)})", file=path.name
        )
    ws = book[sheet] if sheet is not None else book.worksheets[0]
    cells = ws.iter_rows(values_only=True)
    header = [cell_text(v) or "" for v in next(cells, ())]
    if not any(header):
        book.close()
        raise IngestError("empty sheet: no header row", file=path.name)
    match = match_headers(kind, header, path)
    total = max((ws.max_row or 1) - 1, 0)

    def rows() -> Iterator[Row]:
        try:
            for number, values in enumerate(cells, start=2):
                texts = [cell_text(v) for v in values]
                if any(t not in (None, "") for t in texts):
                    yield (
                        number,
                        {n: texts[p] if p < len(texts) else None for n, p in match.columns.items()},
                    )
        finally:
            book.close()

    headers = {n: header[p] for n, p in match.columns.items()}
    return Reader(rows(), headers, match.extras, [], total)


def raw_json(reader: Reader, values: dict[str, str | None]) -> str:
    """The row as the file had it (its own headers), for the quarantine file; an ID number
    masked."""
    shown = {
        reader.headers.get(n, n): mask_id(v) if n == "id_number" else v for n, v in values.items()
    }
    return json.dumps(shown, ensure_ascii=False, separators=(",", ":"))
