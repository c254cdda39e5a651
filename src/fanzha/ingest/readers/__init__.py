"""Readers: open a file of any supported format as a :class:`Source` of Arrow batches."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fanzha.core.schemas import Kind
from fanzha.errors import IngestError
from fanzha.ingest.readers.base import ROW, Reject, Source
from fanzha.ingest.readers.csvfile import read_csv
from fanzha.ingest.readers.jsonlfile import read_jsonl
from fanzha.ingest.readers.parquetfile import read_parquet
from fanzha.ingest.readers.xlsxfile import read_xlsx

__all__ = ["FORMATS", "ROW", "Reject", "Source", "format_of", "open_source"]

FORMATS: dict[str, Callable[[Path, Kind], Source]] = {
    ".csv": read_csv,
    ".tsv": read_csv,
    ".txt": read_csv,
    ".xlsx": read_xlsx,
    ".jsonl": read_jsonl,
    ".ndjson": read_jsonl,
    ".parquet": read_parquet,
}


def format_of(path: Path) -> str:
    """The format suffix of a path (``.csv`` for ``x.csv.gz``); '' when unsupported."""
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes.pop()
    suffix = suffixes[-1] if suffixes else ""
    return suffix if suffix in FORMATS else ""


def open_source(path: Path, kind: Kind) -> Source:
    """Open ``path`` with the reader of its format; :class:`IngestError` when it cannot be."""
    path = Path(path)
    if not path.is_file():
        raise IngestError("no such file", file=str(path))
    fmt = format_of(path)
    if not fmt:
        raise IngestError(
            "unsupported file format (use CSV, XLSX, Parquet or JSONL)", file=path.name
        )
    if path.stat().st_size == 0:
        raise IngestError("empty file", file=path.name)
    return FORMATS[fmt](path, kind)
