"""The event store: Parquet files queried in-process with DuckDB.

Layout under the data directory::

    events/<kind>/day=YYYY-MM-DD/<batch>.parquet   calls, sms, url_visits, app_events, transfers
    tables/<kind>.parquet                          residents, jurisdictions, indicators, leads,
                                                   and derived tables such as suspected_numbers

Stored columns are those of :data:`fanzha.core.schemas.STORED_COLUMNS`, plus ``row_key``
(UBIGINT, a hash of the normalised row) used to de-duplicate repeated imports.
:meth:`EventStore.connect` opens DuckDB with one view per kind, empty but typed when nothing has
been ingested yet, so queries never depend on what has arrived.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from fanzha.core.schemas import KINDS, STORED_COLUMNS

# Derived tables written by detection components rather than by ingestion.
DERIVED_COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "suspected_numbers": (
        ("phone", "BIGINT"),
        ("score", "DOUBLE"),
        ("fraud_type", "VARCHAR"),
        ("model_version", "VARCHAR"),
    ),
}


class EventStore:
    """Paths and DuckDB views over one data directory."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def events_dir(self, kind: str) -> Path:
        """Folder of an event kind's day partitions."""
        return self.root / "events" / kind

    def day_dir(self, kind: str, day: str) -> Path:
        """Folder of one day (``YYYY-MM-DD``) of an event kind."""
        return self.events_dir(kind) / f"day={day}"

    def table_path(self, kind: str) -> Path:
        """File of a small table kind (residents, indicators, …)."""
        return self.root / "tables" / f"{kind}.parquet"

    def files(self, kind: str) -> list[Path]:
        """All Parquet files currently holding rows of ``kind``."""
        if kind in KINDS and KINDS[kind].is_event:
            return sorted(self.events_dir(kind).glob("day=*/*.parquet"))
        path = self.table_path(kind)
        return [path] if path.exists() else []

    def connect(self, threads: int = 2, memory_limit: str = "8GB") -> duckdb.DuckDBPyConnection:
        """An in-memory DuckDB connection with a typed view per stored kind."""
        con = duckdb.connect(config={"threads": threads, "memory_limit": memory_limit})
        for kind, columns in {**STORED_COLUMNS, **DERIVED_COLUMNS}.items():
            con.execute(self.view_sql(kind, columns))
        return con

    def view_sql(self, kind: str, columns: tuple[tuple[str, str], ...]) -> str:
        """``CREATE VIEW`` over the kind's files, or an empty typed view when there are none."""
        names = ", ".join(f'CAST("{name}" AS {typ}) AS "{name}"' for name, typ in columns)
        files = self.files(kind)
        if not files:
            empty = ", ".join(f'CAST(NULL AS {typ}) AS "{name}"' for name, typ in columns)
            return f"CREATE OR REPLACE VIEW {kind} AS SELECT {empty} WHERE false"
        listing = ", ".join("'" + f.as_posix().replace("'", "''") + "'" for f in files)
        # kind and column names come from the schema module; paths are quoted above
        return (
            f"CREATE OR REPLACE VIEW {kind} AS SELECT {names} "  # noqa: S608
            f"FROM read_parquet([{listing}], union_by_name=true)"
        )
