"""After classification: write the new rows, count per file, write the quarantine files."""

from __future__ import annotations

from pathlib import Path

import duckdb

from fanzha.core.schemas import STORED_COLUMNS, Kind
from fanzha.ingest.classify import Span
from fanzha.ingest.quarantine import QuarantineRow, write_quarantine
from fanzha.ingest.report import FileReport
from fanzha.store.event_writer import EventWriter, sql_path

__all__ = ["count_files", "quarantine_files", "write_new_rows"]

Rejects = dict[int, list[QuarantineRow]]


def _columns(kind: Kind) -> str:
    return ", ".join(f'"{n}"' for n, _ in STORED_COLUMNS[kind.name]) + ", row_key"


def _create_fresh(con: duckdb.DuckDBPyConnection, kind: Kind) -> dict[int, int]:
    """``fresh``: the new rows; return their number per file.

    A view over ``norm`` unless rows are already stored where the batch lands: the writer
    reads it once per day, and an anti-join with the few ``flags`` is cheaper than copying
    every row into a table. The join with ``existing`` (as large as the touched days) is
    done once, into a table.
    """
    joins = []
    if _count(con, "SELECT count(*) FROM flags"):
        joins.append("ANTI JOIN flags USING (_file, _row)")
    relation = "VIEW"
    if _count(con, "SELECT count(*) FROM existing"):
        joins.append("ANTI JOIN existing USING (row_key)")
        relation = "TABLE"
    con.execute("DROP VIEW IF EXISTS fresh")
    con.execute("DROP TABLE IF EXISTS fresh")
    con.execute(
        f"CREATE TEMP {relation} fresh AS SELECT _file, {_columns(kind)} "  # noqa: S608
        f"FROM norm {' '.join(joins)} WHERE _reason IS NULL"
    )
    return _per_file(con, "SELECT _file, count(*) FROM fresh GROUP BY _file")


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    row = con.execute(sql).fetchone()
    return int(row[0]) if row else 0


def write_new_rows(
    con: duckdb.DuckDBPyConnection,
    kind: Kind,
    writer: EventWriter,
    batch_id: str,
    span: Span,
) -> tuple[dict[int, int], dict[int, int]]:
    """Write the new rows of ``norm`` to the store (``span``: from :func:`.classify.classify`).

    Returns the new rows and the replaced rows (of a table kind) per file.
    """
    new = _create_fresh(con, kind)
    if not new:
        return new, {}
    if kind.is_event:
        select = f"SELECT {_columns(kind)} FROM fresh"  # noqa: S608
        writer.write_events(con, kind.name, select, {}, batch_id, span=span)
        return new, {}
    return new, _upsert_table(con, kind, writer, batch_id, several_files=len(new) > 1)


def _upsert_table(
    con: duckdb.DuckDBPyConnection,
    kind: Kind,
    writer: EventWriter,
    batch_id: str,
    *,
    several_files: bool,
) -> dict[int, int]:
    """Replace the stored rows whose key comes again; the last file wins a key in several.

    Within one file a key is unique among the new rows (classification quarantines a repeated
    key), so the window that picks each key's last file runs only for an import of several
    files: for one registry file it was a sort of every row for nothing.
    """
    keys = ", ".join(f'"{k}"' for k in kind.key) if kind.key else "row_key"
    columns = _columns(kind)
    last = "fresh"
    if several_files:
        last = "fresh_last"
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE fresh_last AS SELECT * FROM fresh "  # noqa: S608
            f"QUALIFY row_number() OVER (PARTITION BY {keys} ORDER BY _file DESC) = 1"
        )
    path = writer.store.table_path(kind.name)
    if not path.exists():
        writer.write_table(con, kind.name, f"SELECT {columns} FROM {last}", {}, batch_id)  # noqa: S608
        return {}
    old = f"(SELECT {columns} FROM read_parquet({sql_path(path)}))"  # noqa: S608
    replaced = con.execute(
        f"SELECT f._file, count(*) FROM {old} o JOIN {last} f USING ({keys}) GROUP BY ALL"  # noqa: S608
    ).fetchall()
    merged = (
        f"SELECT {columns} FROM {old} ANTI JOIN {last} USING ({keys}) "  # noqa: S608
        f"UNION ALL SELECT {columns} FROM {last}"
    )
    writer.write_table(con, kind.name, merged, {}, batch_id)
    return {int(f): int(n) for f, n in replaced}


def count_files(
    con: duckdb.DuckDBPyConnection,
    reports: list[FileReport],
    rejects: Rejects,
    new: dict[int, int],
    updated: dict[int, int],
) -> None:
    """Fill the counts of each file's report (read = new + already present + quarantined)."""
    counted = con.execute("SELECT _file, count(*), count(_reason) FROM norm GROUP BY _file")
    totals = {int(f): (int(n), int(b)) for f, n, b in counted.fetchall()}  # one pass over norm
    read = {f: n for f, (n, _b) in totals.items()}
    bad = {f: b for f, (_n, b) in totals.items()}
    duplicates = _per_file(
        con, "SELECT _file, count(*) FROM flags WHERE status = 'q' GROUP BY _file"
    )
    for index, report in enumerate(reports):
        if report.error is not None:
            continue
        reader_bad = len(rejects.get(index, []))
        report.rows_read = read.get(index, 0) + reader_bad
        report.quarantined = bad.get(index, 0) + duplicates.get(index, 0) + reader_bad
        report.new = new.get(index, 0)
        report.already_present = report.rows_read - report.quarantined - report.new
        report.updated = updated.get(index, 0)


def _per_file(con: duckdb.DuckDBPyConnection, sql: str) -> dict[int, int]:
    return {int(f): int(n) for f, n in con.execute(sql).fetchall()}


def _sql_rejects(
    con: duckdb.DuckDBPyConnection, index: int, headers: dict[str, str]
) -> list[QuarantineRow]:
    names = list(headers)
    params: dict[str, object] = {"i": index}
    pairs = []
    for n, name in enumerate(names):
        params[f"h{n}"] = headers[name]
        pairs.append(f'$h{n}, r."{name}"')
    raw = f"json_object({', '.join(pairs)})" if pairs else "'{}'"
    rows = con.execute(
        f"""SELECT q._row, q.col, q.why, CAST({raw} AS VARCHAR) FROM (
            SELECT _row, split_part(_reason, chr(9), 1) AS col,
                   split_part(_reason, chr(9), 2) AS why
            FROM norm WHERE _file = $i AND _reason IS NOT NULL
            UNION ALL
            SELECT _row, '' AS col, reason AS why FROM flags WHERE _file = $i AND status = 'q'
        ) q JOIN raw{index} r USING (_row)""",  # noqa: S608
        params,
    ).fetchall()
    return [(int(r), str(c), str(w), str(j)) for r, c, w, j in rows]


def quarantine_files(
    con: duckdb.DuckDBPyConnection,
    kind: Kind,
    data_dir: Path,
    stamp: str,
    reports: list[FileReport],
    rejects: Rejects,
    headers: dict[int, dict[str, str]],
) -> None:
    """Write one quarantine file per source file that had rejected rows."""
    for index, report in enumerate(reports):
        if report.error is not None or report.quarantined == 0:
            continue
        rows = rejects.get(index, []) + _sql_rejects(con, index, headers[index])
        path, reasons = write_quarantine(data_dir, kind.name, report.file, stamp, rows)
        report.quarantine_file, report.reasons = path, reasons
