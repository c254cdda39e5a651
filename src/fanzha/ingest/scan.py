"""Several Parquet files of one import normalised by one statement, read by DuckDB in parallel.

DuckDB parallelises a Parquet scan by row group. A part file written with pyarrow's default
(up to 1 Mi rows per group) usually holds one group, so a statement over one such file runs on
one thread. Files that take the direct path (no ID number column: DuckDB scans the file
itself) and have the same schema and the same recognised columns are therefore read by one
``read_parquet`` of all of them; ``_file`` comes from the file name. The rows, reasons and row
numbers are those of the file-by-file statements (a test checks it); if the joint statement
fails, the files are normalised one by one as before, so errors name the same file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from fanzha.core.schemas import Kind
from fanzha.ingest.readers import ROW, Source
from fanzha.ingest.readers.csvduck import drop_relation
from fanzha.ingest.stage import normalise_raw, normalise_table

__all__ = ["Direct", "direct_file", "group_files", "normalise_group"]

_VIEW = "raw_joint"


@dataclass(frozen=True)
class Direct:
    """A Parquet file on the direct path, waiting to be normalised with its kin."""

    index: int
    path: Path
    rows: int
    key: tuple[object, ...]  # files with equal keys can share one statement
    columns: tuple[tuple[str, str], ...]  # schema name -> column in the file


def direct_file(source: Source, index: int) -> Direct | None:
    """The file as a :class:`Direct` when DuckDB scans it directly, else None."""
    columns = source.parquet_columns
    if columns is None or "id_number" in columns:
        return None
    schema = pq.read_schema(source.path)
    fields = tuple((f.name, str(f.type)) for f in schema)
    pairs = tuple(columns.items())
    return Direct(index, source.path, source.total_rows or 0, (fields, pairs), pairs)


def group_files(files: list[Direct]) -> list[list[Direct]]:
    """Files with the same schema and column choice, in file order."""
    groups: dict[tuple[object, ...], list[Direct]] = {}
    for file in files:
        groups.setdefault(file.key, []).append(file)
    return list(groups.values())


def normalise_group(
    con: duckdb.DuckDBPyConnection, kind: Kind, group: list[Direct], timezone: str
) -> None:
    """Append the normalised rows of every file of ``group`` to ``norm``."""
    if len(group) > 1:
        _joint_view(con, group)
        try:
            normalise_table(con, kind, _VIEW, timezone)
            return
        except duckdb.Error:
            indices = [f.index for f in group]
            con.execute("DELETE FROM norm WHERE list_contains($i, _file)", {"i": indices})
        finally:
            drop_relation(con, _VIEW)
    for file in group:
        normalise_raw(con, kind, f"raw{file.index}", file.index, timezone)


def _joint_view(con: duckdb.DuckDBPyConnection, group: list[Direct]) -> None:
    """``_file``, ``_row`` and the schema columns of all files (built without SQL text)."""
    paths = [f.path.as_posix() for f in group]
    relation = con.read_parquet(paths, file_row_number=True, filename=True)
    column, constant = duckdb.ColumnExpression, duckdb.ConstantExpression
    position = duckdb.FunctionExpression("list_position", constant(paths), column("filename"))
    indices = constant([f.index for f in group])
    selection = [
        duckdb.FunctionExpression("list_extract", indices, position).alias("_file"),
        (column("file_row_number") + constant(1)).alias(ROW),
    ]
    selection += [column(original).alias(name) for name, original in group[0].columns]
    relation.select(*selection).create_view(_VIEW, replace=True)
