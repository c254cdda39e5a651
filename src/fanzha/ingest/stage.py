"""Staging: stream one file into a DuckDB raw table, then normalise it into the ``norm`` table.

ID numbers are checked and masked while the batches stream, and pseudonymised by the
statement that fills the raw table (:func:`~fanzha.ingest.idnumbers.pseudonym_sql`, the same
HMAC as :func:`fanzha.core.idcard.pseudonymise`): the raw number passes through that statement
only, and the raw table holds the masked form and the pseudonym (a CSV file read by DuckDB's
reader is loaded first and that table replaced at once), so no raw ID reaches the store or a
quarantine file.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import duckdb
import pyarrow as pa

from fanzha.core.schemas import STORED_COLUMNS, Kind
from fanzha.errors import IngestError
from fanzha.ingest.idnumbers import id_columns, pseudonym_params, pseudonym_sql, pseudonymise_column
from fanzha.ingest.normalise import build_query, render
from fanzha.ingest.progress import Progress, watch_query
from fanzha.ingest.readers import ROW, Source
from fanzha.ingest.readers.csvduck import drop_relation, load_csv

__all__ = ["FILE", "Progress", "create_norm", "load_raw", "normalise_raw", "normalise_table"]

FILE = "_file"
_SLICE = 1 << 17  # rows per Arrow batch given to DuckDB
_AHEAD = 2  # slices checked ahead of DuckDB


def _with_ids(batch: pa.RecordBatch, key: str) -> pa.RecordBatch:
    """Mask the ID numbers of ``batch`` and add ``__id_hash`` (pseudonyms, hashed in Python)
    and ``__id_error`` (used by :mod:`fanzha.stream.intake`; files use :func:`_hashed`)."""
    if "id_number" not in batch.schema.names:
        return batch
    pseudonyms, errors, masked = pseudonymise_column(batch.column("id_number"), key)
    index = batch.schema.get_field_index("id_number")
    batch = batch.set_column(index, "id_number", masked)
    batch = batch.append_column("__id_hash", pseudonyms)
    return batch.append_column("__id_error", errors)


def _with_id_keys(batch: pa.RecordBatch) -> pa.RecordBatch:
    """As :func:`_with_ids`, but ``__id_hash`` holds the valid numbers: see :func:`_hashed`."""
    if "id_number" not in batch.schema.names:
        return batch
    valid, errors, masked = id_columns(batch.column("id_number"))
    index = batch.schema.get_field_index("id_number")
    batch = batch.set_column(index, "id_number", masked)
    batch = batch.append_column("__id_hash", valid)
    return batch.append_column("__id_error", errors)


def _hashed(view: str, names: list[str], key: str) -> tuple[str, dict[str, object]]:
    """SELECT over ``view`` that replaces the valid ID numbers in ``__id_hash`` by pseudonyms.

    The numbers pass through DuckDB's pipeline only; the table it fills holds pseudonyms.
    """
    if "__id_hash" not in names:
        return f"SELECT * FROM {view}", {}  # noqa: S608
    pseudonym = pseudonym_sql("__id_hash")
    return f"SELECT * REPLACE ({pseudonym} AS __id_hash) FROM {view}", pseudonym_params(key)  # noqa: S608


def _slices(source: Source, progress: Progress | None) -> Iterator[pa.RecordBatch]:
    """The file's batches cut to at most :data:`_SLICE` rows (an empty batch stays one)."""
    done = 0
    for batch in source.batches:
        done += batch.num_rows
        if progress is not None:
            progress(source.path.name, done, source.total_rows)
        for offset in range(0, max(batch.num_rows, 1), _SLICE):
            yield batch.slice(offset, _SLICE)


def _stream(source: Source, progress: Progress | None) -> Iterator[pa.RecordBatch]:
    """The batches with their ID numbers checked (:func:`_with_id_keys`), in file order.

    The checks run on a small pool, up to :data:`_AHEAD` slices ahead of DuckDB (Arrow and
    numpy release the GIL), and several slices let DuckDB hash on more than one thread.
    """
    pending: deque[Future[pa.RecordBatch]] = deque()
    with ThreadPoolExecutor(max_workers=2) as pool:
        for piece in _slices(source, progress):
            pending.append(pool.submit(_with_id_keys, piece))
            if len(pending) > _AHEAD:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


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
    stream = _stream(source, progress)
    first = next(stream, None)
    if first is None:
        raise IngestError("file holds no data", file=source.path.name)
    reader = pa.RecordBatchReader.from_batches(first.schema, _chain(first, stream))
    view = f"{table}_arrow"
    con.register(view, reader)
    select, params = _hashed(view, first.schema.names, pseudonym_key)
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS {select}", params)
    except duckdb.Error as exc:
        raise IngestError(f"cannot load rows: {exc}", file=source.path.name) from exc
    finally:
        con.unregister(view)


def _pseudonymise_table(con: duckdb.DuckDBPyConnection, table: str, key: str) -> None:
    """Replace the ID numbers of a loaded table by masks, adding pseudonyms and errors."""
    loaded = con.sql(f"SELECT * FROM {table}").to_arrow_table()  # noqa: S608
    batches = [_with_id_keys(b) for b in loaded.to_batches()]
    ids = pa.Table.from_batches(batches) if batches else _with_ids_empty(loaded)
    view = f"{table}_ids"
    con.register(view, ids)
    drop_relation(con, table)
    select, params = _hashed(view, ids.schema.names, key)
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS {select}", params)
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
    sql, params = _norm_sql(con, kind, table, timezone, ROW)
    params["file_index"] = file_index
    con.execute(f"INSERT INTO norm SELECT $file_index, * FROM ({sql})", params)  # noqa: S608


def normalise_table(con: duckdb.DuckDBPyConnection, kind: Kind, table: str, timezone: str) -> None:
    """Append the normalised rows of ``table`` (raw columns plus ``_file``) to ``norm``."""
    sql, params = _norm_sql(con, kind, table, timezone, f"{FILE}, {ROW}")
    con.execute(f"INSERT INTO norm {sql}", params)


def _norm_sql(
    con: duckdb.DuckDBPyConnection, kind: Kind, table: str, timezone: str, ids: str
) -> tuple[str, dict[str, object]]:
    types = {
        name: typ
        for name, typ, *_ in con.execute(f"DESCRIBE {table}").fetchall()
        if name not in (ROW, FILE)
    }

    def distinct(column: str) -> list[str]:
        rows = con.execute(
            f'SELECT DISTINCT trim(CAST("{column}" AS VARCHAR)) AS v FROM {table} '  # noqa: S608
            "WHERE v IS NOT NULL AND v <> ''"
        ).fetchall()
        return [str(r[0]) for r in rows]

    query = build_query(kind, types, timezone, distinct)
    sql = render(query, table, ids)
    used = set(re.findall(r"\$(\w+)", sql))
    return sql, {k: v for k, v in query.params.items() if k in used}
