"""Score every number in the event store and write the ``suspected_numbers`` table.

``suspected_numbers(phone BIGINT, score DOUBLE, fraud_type VARCHAR, model_version VARCHAR)``
holds numbers at or above the model's threshold that are not already phone indicators;
detection turns contact with them into signals. ``fraud_type`` is the most common type among
known fraud numbers that called the same people, else ``other``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from fanzha.detection.numbers import store_features
from fanzha.detection.numbers.model import FraudNumberModel
from fanzha.store.event_store import DERIVED_COLUMNS, EventStore

TYPE_SQL = """
SELECT s.phone, mode(k.fraud_type) AS fraud_type
FROM suspects s
JOIN (SELECT DISTINCT caller, callee FROM calls) mine ON mine.caller = s.phone
JOIN (SELECT DISTINCT caller, callee FROM calls) theirs ON theirs.callee = mine.callee
JOIN known k ON k.phone = theirs.caller AND k.phone <> s.phone
WHERE k.fraud_type IS NOT NULL
GROUP BY s.phone
"""


@dataclass(frozen=True)
class ScanResult:
    """What a scan found: every scored number and the suspected ones."""

    scored: pd.DataFrame  # phone (int), score, is_fraud, features used as evidence
    suspected: pd.DataFrame  # the suspected_numbers rows


def known_labels(known: pd.DataFrame) -> pd.Series:
    """Known fraud numbers as model ids → label 1."""
    ids = known["phone"].astype("int64").astype(str)
    return pd.Series(1, index=pd.Index(ids), dtype="int64")


def scan(con: duckdb.DuckDBPyConnection, model: FraudNumberModel) -> ScanResult:
    """Compute features from the store behind ``con``, score them and pick the suspects."""
    features = store_features.number_features(con)
    edges = store_features.call_edges(con) if model.graph_ else None
    scores = model.score(features, edges) if len(features) else np.zeros(0)
    scored = features.assign(score=scores, is_fraud=(scores >= model.threshold_).astype(int))
    scored.insert(0, "phone", scored.index.astype("int64"))
    known = store_features.known_fraud_numbers(con)
    fresh = scored[(scored["is_fraud"] == 1) & ~scored["phone"].isin(known["phone"])]
    suspected = _with_types(con, fresh[["phone", "score"]].reset_index(drop=True), known)
    suspected["model_version"] = model.version
    return ScanResult(scored.reset_index(drop=True), suspected)


def _with_types(
    con: duckdb.DuckDBPyConnection, suspects: pd.DataFrame, known: pd.DataFrame
) -> pd.DataFrame:
    if suspects.empty:
        return suspects.assign(fraud_type=pd.Series(dtype="str"))
    con.register("suspects", suspects)
    con.register("known", known)
    try:
        types = con.execute(TYPE_SQL).df()
    finally:
        con.unregister("suspects")
        con.unregister("known")
    merged = suspects.merge(types, on="phone", how="left")
    merged["fraud_type"] = merged["fraud_type"].fillna("other").astype(str)
    return merged


def write_suspected(store: EventStore, suspected: pd.DataFrame) -> Path:
    """Replace ``tables/suspected_numbers.parquet`` atomically with ``suspected``."""
    columns = DERIVED_COLUMNS["suspected_numbers"]
    types = {"BIGINT": pa.int64(), "DOUBLE": pa.float64(), "VARCHAR": pa.string()}
    schema = pa.schema([(name, types[typ]) for name, typ in columns])
    table = pa.Table.from_pandas(
        suspected[[name for name, _ in columns]], schema=schema, preserve_index=False
    )
    target = store.table_path("suspected_numbers")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".parquet.partial")
    pq.write_table(table, partial)
    partial.replace(target)
    return target


def last_activity(con: duckdb.DuckDBPyConnection) -> dict[int, dt.datetime]:
    """Newest outgoing call or SMS per number (the evidence clock of the review queue)."""
    rows = con.execute(
        "SELECT phone, max(t) FROM (SELECT caller AS phone, start AS t FROM calls "
        "UNION ALL SELECT sender, time FROM sms) GROUP BY phone"
    ).fetchall()
    return {int(phone): when for phone, when in rows if phone is not None}
