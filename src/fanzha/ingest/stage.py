"""Staging: stream one file into a DuckDB raw table, then normalise it into the ``norm`` table.

ID numbers are pseudonymised while the batches stream (the raw table only ever holds the
masked form), so no raw ID reaches DuckDB, the store or a quarantine file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pyarrow as pa

from fanzha.core.schemas import STORED_COLUMNS, Kind
from fanzha.errors import IngestError
from fanzha.ingest.idnumbers import pseudonymise_column
from fanzha.ingest.normalise import build_query, render
from fanzha.ingest.progress import Progress, watch_query
from fanzha.ingest.readers import ROW, Source
from fanzha.ingest.readers.csvduck import drop_relation, load_csv

__all__ = ["Progress", "create_norm", "load_raw", "normalise_raw"]


def _with_ids(batch: pa.RecordBatch, key: str) -> pa.RecordBatch:
    if "id_number" not in batch.schema.names:
        return batch
    pseudonyms, errors, masked = pseudonymise_column(batch.column("id_number"), key)
    index = batch.schema.get_field_index("id_number")
    batch = batch.set_column(index, "id_number", masked)
    batch = batch.append_column("__id_hash", pseudonyms)
    return batch.append_column("__id_error", errors)


def _stream(source: Source, key: str, progress: Progress | None) -> Iterator[pa.RecordBatch]:
    done = 0
    for batch in source.batches:
        done += batch.num_rows
        if progress is not None:
            progress(source.path.name, done, source.total_rows)
        yield _with_ids(batch, key)


def load_raw(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    table: str,
    pseudonym_key: str,
    progress: Progress | None = None,
    scratch: Path | None = None,
) -> None:
    """Make ``table`` hold the file's rows (``_row`` + recognised columns).

    A Parquet file without ID numbers becomes a view that DuckDB scans directly, and a CSV
    file is read by DuckDB's reader when :mod:`.readers.csvduck` accepts it (fast paths);
    everything else is streamed through Arrow into a temporary table.
    """
    if source.parquet_columns is not None and "id_number" not in source.parquet_columns:
        _parquet_view(con, source, source.parquet_columns, table)
        return
    if source.csv_plan is not None and scratch is not None:
        with watch_query(con, progress, source.path.name, source.total_rows):
            rejects = load_csv(con, source.csv_plan, table, scratch)
        if rejects is not None:
            source.rejects = rejects
            if "id_number" in source.headers:
                _pseudonymise_table(con, table, pseudonym_key)
            return
    stream = _stream(source, pseudonym_key, progress)
    first = next(stream, None)
    if first is None:
        raise IngestError("file holds no data", file=source.path.name)
    reader = pa.RecordBatchReader.from_batches(first.schema, _chain(first, stream))
    view = f"{table}_arrow"
    con.register(view, reader)
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT * FROM {view}")  # noqa: S608
    except duckdb.Error as exc:
        raise IngestError(f"cannot load rows: {exc}", file=source.path.name) from exc
    finally:
        con.unregister(view)


def _pseudonymise_table(con: duckdb.DuckDBPyConnection, table: str, key: str) -> None:
    """Replace the ID numbers of a loaded table by masks, adding pseudonyms and errors."""
    loaded = con.sql(f"SELECT * FROM {table}").to_arrow_table()  # noqa: S608
    batches = [_with_ids(b, key) for b in loaded.to_batches()]
    view = f"{table}_ids"
    con.register(view, pa.Table.from_batches(batches) if batches else _with_ids_empty(loaded))
    drop_relation(con, table)
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT * FROM {view}")  # noqa: S608
    finally:
        con.unregister(view)


def _with_ids_empty(loaded: pa.Table) -> pa.Table:
    return loaded.append_column("__id_hash", pa.array([], pa.string())).append_column(
        "__id_error", pa.array([], pa.string())
    )


def _parquet_view(
    con: duckdb.DuckDBPyConnection, source: Source, columns: dict[str, str], table: str
) -> None:
    """A view over the Parquet file with schema column names (built without SQL text)."""
    relation = con.read_parquet(source.path.as_posix(), file_row_number=True)
    one = duckdb.ConstantExpression(1)
    selection = [(duckdb.ColumnExpression("file_row_number") + one).alias(ROW)]
    selection += [
        duckdb.ColumnExpression(original).alias(name) for name, original in columns.items()
    ]
    relation.select(*selection).create_view(table, replace=True)


def _chain(first: pa.RecordBatch, rest: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    yield first
    yield from rest


def create_norm(con: duckdb.DuckDBPyConnection, kind: Kind) -> None:
    """The ``norm`` table all files of one import are normalised into."""
    columns = ", ".join(f'"{n}" {t}' for n, t in STORED_COLUMNS[kind.name])
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE norm (_file INTEGER, {ROW} BIGINT, {columns}, "
        "row_key UBIGINT, _reason VARCHAR)"
    )


def normalise_raw(
    con: duckdb.DuckDBPyConnection, kind: Kind, table: str, file_index: int, timezone: str
) -> None:
    """Append the normalised rows of raw ``table`` to ``norm`` as file number ``file_index``."""
    types = {
        name: typ for name, typ, *_ in con.execute(f"DESCRIBE {table}").fetchall() if name != ROW
    }

    def distinct(column: str) -> list[str]:
        rows = con.execute(
            f'SELECT DISTINCT trim(CAST("{column}" AS VARCHAR)) AS v FROM {table} '  # noqa: S608
            "WHERE v IS NOT NULL AND v <> ''"
        ).fetchall()
        return [str(r[0]) for r in rows]

    query = build_query(kind, types, timezone, distinct)
    sql = render(query, table)
    used = set(re.findall(r"\$(\w+)", sql))
    params = {k: v for k, v in query.params.items() if k in used} | {"file_index": file_index}
    con.execute(f"INSERT INTO norm SELECT $file_index, * FROM ({sql})", params)  # noqa: S608
