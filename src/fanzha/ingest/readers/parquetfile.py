"""Parquet reader: only the recognised columns, streamed batch by batch, native types kept.

Row numbers are 1-based record numbers. Integer phone columns are taken as keys and timestamp
columns as times (checked later, in SQL). ``Source.parquet_columns`` lets the pipeline skip the
Arrow stream and have DuckDB scan the file itself (the fast path, used when no column needs
Python, i.e. there is no ID number column).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from fanzha.core.schemas import Kind
from fanzha.errors import IngestError
from fanzha.ingest.headers import match_headers
from fanzha.ingest.readers.base import ROW, Source

__all__ = ["read_parquet"]

_BATCH = 1 << 20


def read_parquet(path: Path, kind: Kind) -> Source:
    """Open a Parquet file of ``kind``."""
    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as exc:
        raise IngestError(f"not a readable Parquet file: {exc}", file=path.name) from exc
    header = parquet.schema_arrow.names
    match = match_headers(kind, header, path)
    names = list(match.columns)
    columns = [header[p] for p in match.columns.values()]
    source = Source(path, dict(zip(names, columns, strict=True)), match.extras, iter(()))
    source.total_rows = parquet.metadata.num_rows
    source.parquet_columns = dict(source.headers)
    source.batches = _batches(parquet, names, columns, path)
    return source


def _batches(
    parquet: pq.ParquetFile, names: list[str], columns: list[str], path: Path
) -> Iterator[pa.RecordBatch]:
    start = 1
    if parquet.metadata.num_rows == 0:
        schema = parquet.schema_arrow
        empty = [pa.array([], schema.field(c).type) for c in columns]
        yield pa.RecordBatch.from_arrays([pa.array([], pa.int64()), *empty], names=[ROW, *names])
    try:
        for batch in parquet.iter_batches(batch_size=_BATCH, columns=columns, use_threads=True):
            rows = pa.array(np.arange(start, start + batch.num_rows, dtype=np.int64))
            start += batch.num_rows
            yield pa.RecordBatch.from_arrays([rows, *batch.columns], names=[ROW, *names])
    except (pa.ArrowException, OSError) as exc:
        raise IngestError(f"corrupt Parquet data: {exc}", file=path.name, row=start) from exc
    finally:
        parquet.close()
