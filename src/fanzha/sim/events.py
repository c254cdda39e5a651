"""In-memory event tables: the Parquet column types of each kind, plus an owner column.

Every table built here has the columns of ``core.schemas.KINDS[kind]`` in order, typed as
they are written to Parquet (phones int64 keys, times ``timestamp[us]``), followed by
``_owner``: the person number that decides which generation chunk (and so which part file)
the row is written in. The writer drops ``_owner``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fanzha.core.schemas import KINDS

OWNER = "_owner"
EVENT_KINDS = ("calls", "sms", "url_visits", "app_events", "transfers")
TABLE_KINDS = ("jurisdictions", "residents", "indicators", "leads")
_TYPES = {"phone": pa.int64(), "time": pa.timestamp("us"), "int": pa.int32(), "float": pa.float64()}


def arrow_type(column_type: str) -> pa.DataType:
    """Parquet type of a schema column type."""
    return _TYPES.get(column_type, pa.string())


def schema(kind: str, owner: bool = False) -> pa.Schema:
    """The Parquet schema of a kind (optionally with the owner column)."""
    fields = [pa.field(c.name, arrow_type(c.type)) for c in KINDS[kind].columns]
    if owner:
        fields.append(pa.field(OWNER, pa.int64()))
    return pa.schema(fields)


def phone_columns(kind: str) -> tuple[str, ...]:
    """Names of the phone columns of a kind."""
    return tuple(c.name for c in KINDS[kind].columns if c.type == "phone")


def time_columns(kind: str) -> tuple[str, ...]:
    """Names of the time columns of a kind."""
    return tuple(c.name for c in KINDS[kind].columns if c.type == "time")


def make(kind: str, owner: Any, /, **columns: Any) -> pa.Table:
    """A table of ``kind`` from numpy arrays, Arrow arrays or lists (missing columns = null)."""
    sch = schema(kind, owner=True)
    n = len(owner)
    arrays = []
    for f in sch:
        value = owner if f.name == OWNER else columns.pop(f.name, None)
        arrays.append(_array(value, f.type, n))
    if columns:
        raise KeyError(f"unknown columns for {kind}: {sorted(columns)}")
    return pa.Table.from_arrays(arrays, schema=sch)


def _array(value: Any, typ: pa.DataType, n: int) -> pa.Array:
    if value is None:
        return pa.nulls(n, typ)
    if isinstance(value, pa.ChunkedArray):
        value = value.combine_chunks()
    if isinstance(value, pa.Array):
        return value if value.type == typ else value.cast(typ)
    if isinstance(value, np.ndarray) and typ == pa.timestamp("us"):
        return pa.array(value.astype(np.int64), type=pa.int64()).cast(typ)
    return pa.array(value, type=typ)


def empty(kind: str) -> pa.Table:
    """An empty table of ``kind`` with the owner column."""
    return schema(kind, owner=True).empty_table()


def concat(kind: str, tables: Sequence[pa.Table]) -> pa.Table:
    """Concatenate tables of one kind (no tables: an empty one)."""
    usable = [t for t in tables if t.num_rows]
    return pa.concat_tables(usable) if usable else empty(kind)


def select(
    table: pa.Table, lo_owner: int, hi_owner: int, t0: int, t1: int, time_col: str
) -> pa.Table:
    """Rows whose owner is in ``[lo, hi)`` and whose time (µs) is in ``[t0, t1)``."""
    owner = table[OWNER].to_numpy()
    times = table[time_col].cast(pa.int64()).to_numpy()
    mask = (owner >= lo_owner) & (owner < hi_owner) & (times >= t0) & (times < t1)
    return table.filter(pa.array(mask))


def sort_by_time(table: pa.Table, time_col: str) -> pa.Table:
    """Rows in time order (stable, so ties keep their generation order)."""
    times = table[time_col].cast(pa.int64()).to_numpy()
    order = np.argsort(times, kind="stable")
    return table.take(pa.array(order))


def take(values: pa.Array, idx: Any) -> pa.Array:
    """``values[idx]`` for an index array."""
    return pc.take(values, pa.array(np.asarray(idx, dtype=np.int64)))
