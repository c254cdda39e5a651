"""Classification of valid rows: in-file duplicates, rows already stored, conflicting keys.

Produces the temp table ``flags(_file, _row, status, reason)`` for the few rows that are not
simply new: ``q`` (quarantined: duplicate of an earlier row, or a key repeated with other
values) and ``p`` (already present: in the store from an earlier import, or in an earlier file
of this import). Every other valid row of ``norm`` is new.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from fanzha.core.schemas import Kind
from fanzha.store.event_writer import EventWriter

__all__ = ["classify"]

_GOOD = "_reason IS NULL"


def classify(con: duckdb.DuckDBPyConnection, kind: Kind, writer: EventWriter) -> None:
    """Fill ``flags`` for the rows of ``norm``."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE flags (_file INTEGER, _row BIGINT, status VARCHAR, "
        "reason VARCHAR)"
    )
    _flag_duplicates(con)
    if not kind.is_event and kind.key:
        _flag_key_conflicts(con, kind)
    _flag_present(con, kind, writer)


def _flag_duplicates(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        "CREATE OR REPLACE TEMP TABLE dupkeys AS SELECT row_key FROM norm "
        f"WHERE {_GOOD} GROUP BY row_key HAVING count(*) > 1"
    )
    con.execute(
        f"""INSERT INTO flags
        SELECT _file, _row,
               CASE WHEN _row > first_row THEN 'q' ELSE 'p' END,
               CASE WHEN _row > first_row THEN 'duplicate of row ' || first_row END
        FROM (
            SELECT _file, _row,
                   min(_row) OVER (PARTITION BY _file, row_key) AS first_row,
                   min(_file) OVER (PARTITION BY row_key) AS first_file
            FROM norm SEMI JOIN dupkeys USING (row_key) WHERE {_GOOD}
        ) WHERE _row > first_row OR _file > first_file"""
    )


def _flag_key_conflicts(con: duckdb.DuckDBPyConnection, kind: Kind) -> None:
    keys = ", ".join(f'"{k}"' for k in kind.key)
    label = "same " + "/".join(kind.key) + " as row "
    con.execute(
        f"""INSERT INTO flags
        SELECT _file, _row, 'q', $label || first_row FROM (
            SELECT _file, _row, row_key,
                   first_value(_row) OVER (PARTITION BY _file, {keys} ORDER BY _row) AS first_row,
                   first_value(row_key) OVER (PARTITION BY _file, {keys} ORDER BY _row) AS first_key
            FROM norm ANTI JOIN flags USING (_file, _row) WHERE {_GOOD}
        ) WHERE row_key <> first_key""",
        {"label": label},
    )


def _flag_present(con: duckdb.DuckDBPyConnection, kind: Kind, writer: EventWriter) -> None:
    files = _existing_files(con, kind, writer)
    if not files:
        return
    con.execute(
        "CREATE OR REPLACE TEMP TABLE present AS SELECT DISTINCT row_key "
        f"FROM read_parquet($files) WHERE row_key IN (SELECT row_key FROM norm WHERE {_GOOD})",
        {"files": [f.as_posix() for f in files]},
    )
    con.execute(
        "INSERT INTO flags SELECT _file, _row, 'p', NULL FROM "
        "(SELECT _file, _row, row_key FROM norm ANTI JOIN flags USING (_file, _row) "
        f"WHERE {_GOOD}) SEMI JOIN present USING (row_key)"
    )


def _existing_files(con: duckdb.DuckDBPyConnection, kind: Kind, writer: EventWriter) -> list[Path]:
    if not kind.is_event:
        path = writer.store.table_path(kind.name)
        return [path] if path.exists() else []
    column = kind.time_column
    days = con.execute(
        f"SELECT DISTINCT strftime(\"{column}\", '%Y-%m-%d') FROM norm WHERE {_GOOD}"  # noqa: S608
    ).fetchall()
    return writer.day_files(kind.name, [str(d[0]) for d in days])
