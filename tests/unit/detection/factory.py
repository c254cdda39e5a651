"""Build a small event store directly in its stored form, for detection tests."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from fanzha.core.schemas import KINDS, STORED_COLUMNS
from fanzha.store.event_store import DERIVED_COLUMNS, EventStore

_ARROW = {
    "VARCHAR": pa.string(),
    "BIGINT": pa.int64(),
    "INTEGER": pa.int32(),
    "SMALLINT": pa.int16(),
    "DOUBLE": pa.float64(),
    "TIMESTAMP": pa.timestamp("us"),
}
T0 = dt.datetime(2026, 11, 1, 9, 0, 0)


def at(minutes: float) -> dt.datetime:
    """A time ``minutes`` after 2026-11-01 09:00."""
    return T0 + dt.timedelta(minutes=minutes)


class StoreBuilder:
    """Collects rows per kind, then writes them where the event store expects them."""

    def __init__(self, root: Path) -> None:
        self.store = EventStore(root)
        self.rows: dict[str, list[dict[str, Any]]] = {}

    def add(self, table: str, /, **row: Any) -> StoreBuilder:
        self.rows.setdefault(table, []).append(row)
        return self

    def resident(self, rid: str, phone: int, community: str = "C01", **extra: Any) -> StoreBuilder:
        row = {
            "resident_id": rid,
            "phone": phone,
            "birth_year": 1960,
            "gender": "F",
            "occupation": "retiree",
            "community": community,
        }
        return self.add("residents", **{**row, **extra})

    def call(
        self, caller: int, callee: int, minute: float, seconds: int, **extra: Any
    ) -> StoreBuilder:
        return self.add(
            "calls", caller=caller, callee=callee, start=at(minute), duration_s=seconds, **extra
        )

    def indicator(
        self, kind: str, value: str, fraud_type: str = "impersonate_police", **extra: Any
    ) -> StoreBuilder:
        phone = int(value) if kind == "phone" else None
        row = {
            "kind": kind,
            "value": value,
            "phone": phone,
            "fraud_type": fraud_type,
            "source": "省反诈中心",
            "confidence": 1.0,
        }
        return self.add("indicators", **{**row, **extra})

    def write(self) -> EventStore:
        columns_of = {**STORED_COLUMNS, **DERIVED_COLUMNS}
        for kind, rows in self.rows.items():
            schema = pa.schema([(n, _ARROW[t]) for n, t in columns_of[kind]])
            table = pa.Table.from_pylist(
                [{n: r.get(n) for n, _ in columns_of[kind]} for r in rows], schema=schema
            )
            path = self._path(kind)
            path.parent.mkdir(parents=True, exist_ok=True)
            pq.write_table(table, path)
        return self.store

    def _path(self, kind: str) -> Path:
        if kind in KINDS and KINDS[kind].is_event:
            return self.store.day_dir(kind, "2026-11-01") / "test.parquet"
        return self.store.table_path(kind)
