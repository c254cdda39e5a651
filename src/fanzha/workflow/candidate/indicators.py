"""Write a confirmed candidate into the event store's ``indicators`` table.

The table file is rewritten whole through :class:`~fanzha.store.event_writer.EventWriter`
(atomic replace under the data directory's write lock), keeping every existing row and its
``row_key``; the new row's ``row_key`` is DuckDB's ``hash`` of its stored columns, as ingestion
computes it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from fanzha.core.phone import display
from fanzha.core.schemas import STORED_COLUMNS
from fanzha.store.event_store import EventStore
from fanzha.store.event_writer import EventWriter, sql_path


@dataclass(frozen=True)
class PhoneIndicator:
    """One blacklist entry for a phone number, with provenance and expiry."""

    phone: int
    fraud_type: str
    source: str
    confidence: float
    valid_from: dt.datetime
    valid_to: dt.datetime


def append_phone_indicator(store: EventStore, entry: PhoneIndicator) -> None:
    """Add ``entry`` to ``tables/indicators.parquet`` (created when missing)."""
    names = [name for name, _ in STORED_COLUMNS["indicators"]]
    quoted = ", ".join(f'"{n}"' for n in names)
    new_row = (
        "SELECT 'phone' AS kind, $value AS value, CAST($phone AS BIGINT) AS phone, "
        "$fraud_type AS fraud_type, $source AS source, CAST($confidence AS DOUBLE) AS confidence, "
        "CAST($valid_from AS TIMESTAMP) AS valid_from, CAST($valid_to AS TIMESTAMP) AS valid_to"
    )
    select_sql = f"SELECT {quoted}, hash({quoted}) AS row_key FROM ({new_row})"  # noqa: S608
    path = store.table_path("indicators")
    writer = EventWriter(store)
    params: dict[str, object] = {
        "value": display(entry.phone),
        "phone": entry.phone,
        "fraud_type": entry.fraud_type,
        "source": entry.source,
        "confidence": entry.confidence,
        "valid_from": entry.valid_from,
        "valid_to": entry.valid_to,
    }
    with writer.locked():
        if path.exists():
            existing = f"SELECT {quoted}, row_key FROM read_parquet({sql_path(path)})"  # noqa: S608
            select_sql = f"{existing} UNION ALL BY NAME {select_sql}"
        con = store.connect(threads=1, memory_limit="1GB")
        try:
            writer.write_table(con, "indicators", select_sql, params, uuid.uuid4().hex)
        finally:
            con.close()
