"""Append partners' accepted accounts to the event store's ``indicators`` table.

The table file is rewritten whole, under the data directory's write lock, as
:mod:`fanzha.workflow.candidate.indicators` does for confirmed numbers; the new rows get
``row_key = hash(stored columns)`` as ingestion computes it. One rewrite per request.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from fanzha.core.schemas import STORED_COLUMNS
from fanzha.store.event_store import EventStore
from fanzha.store.event_writer import EventWriter, sql_path


@dataclass(frozen=True)
class AccountIndicator:
    """One blacklisted account, with its source (partner and row) and validity."""

    account: str
    fraud_type: str | None
    source: str
    confidence: float
    valid_from: dt.datetime | None  # None: valid for every earlier transfer too
    valid_to: dt.datetime


def append_account_indicators(store: EventStore, entries: list[AccountIndicator]) -> None:
    """Add ``entries`` to ``tables/indicators.parquet`` (created when missing)."""
    if not entries:
        return
    names = [name for name, _ in STORED_COLUMNS["indicators"]]
    quoted = ", ".join(f'"{n}"' for n in names)
    writer = EventWriter(store)
    path = store.table_path("indicators")
    with writer.locked():
        con = store.connect(threads=1, memory_limit="1GB")
        try:
            con.execute(
                "CREATE TEMP TABLE fz_new (value VARCHAR, fraud_type VARCHAR, source VARCHAR, "
                "confidence DOUBLE, valid_from TIMESTAMP, valid_to TIMESTAMP)"
            )
            con.executemany(
                "INSERT INTO fz_new VALUES (?, ?, ?, ?, ?, ?)",
                [
                    [e.account, e.fraud_type, e.source, e.confidence, e.valid_from, e.valid_to]
                    for e in entries
                ],
            )
            new_rows = (
                "SELECT 'account' AS kind, value, CAST(NULL AS BIGINT) AS phone, fraud_type, "
                "source, confidence, valid_from, valid_to FROM fz_new"
            )
            select_sql = f"SELECT {quoted}, hash({quoted}) AS row_key FROM ({new_rows})"  # noqa: S608
            if path.exists():
                existing = f"SELECT {quoted}, row_key FROM read_parquet({sql_path(path)})"  # noqa: S608
                select_sql = f"{existing} UNION ALL BY NAME {select_sql}"
            writer.write_table(con, "indicators", select_sql, {}, uuid.uuid4().hex)
        finally:
            con.close()
