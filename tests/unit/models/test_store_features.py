"""Event-store features and the scan, on a small hand-made store."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from fanzha.detection.numbers import scan, store_features
from fanzha.detection.numbers.model import FraudNumberModel
from fanzha.store.event_store import EventStore

FRAUD = 8617000000001  # virtual range, one SIM box IMEI shared with FRAUD2
FRAUD2 = 8617000000002
KNOWN = 8617000000009  # blacklisted, calls the same victims
NORMALS = [8613800000000 + i for i in range(40)]
DAY = dt.datetime(2030, 5, 1)


def _calls() -> pd.DataFrame:
    rows = []
    for i, victim in enumerate(NORMALS[:30]):
        rows.append((FRAUD, victim, DAY + dt.timedelta(minutes=i), 5, "IMEI-BOX", f"c{i % 6}"))
        rows.append((FRAUD2, victim, DAY + dt.timedelta(minutes=i), 0, "IMEI-BOX", "c1"))
        rows.append((KNOWN, victim, DAY + dt.timedelta(minutes=i), 30, "IMEI-K", "c1"))
    for i, a in enumerate(NORMALS):  # friends calling each other back, in the day
        b = NORMALS[(i + 1) % len(NORMALS)]
        rows.append((a, b, DAY + dt.timedelta(hours=10), 120, f"IMEI-{i}", "c1"))
        rows.append((b, a, DAY + dt.timedelta(hours=11), 90, f"IMEI-{i + 100}", "c1"))
    return pd.DataFrame(rows, columns=["caller", "callee", "start", "duration_s", "imei", "cell"])


def _write(path: Path, frame: pd.DataFrame) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path)


@pytest.fixture
def store(tmp_path: Path) -> EventStore:
    store = EventStore(tmp_path / "var")
    _write(store.day_dir("calls", "2030-05-01") / "a.parquet", _calls())
    residents = pd.DataFrame(
        {
            "resident_id": [f"P{i}" for i in range(40)],
            "phone": NORMALS,
            "birth_year": [1950 + i for i in range(40)],
            "gender": ["F", "M"] * 20,
            "occupation": ["retiree"] * 40,
            "community": [f"C{i % 4}" for i in range(40)],
        }
    )
    _write(store.table_path("residents"), residents)
    indicators = pd.DataFrame(
        {
            "kind": ["phone"],
            "value": ["17000000009"],
            "phone": [KNOWN],
            "fraud_type": ["impersonate_police"],
            "source": ["test"],
            "confidence": [1.0],
            "valid_from": [DAY],
            "valid_to": [None],
        }
    )
    _write(store.table_path("indicators"), indicators)
    return store


def test_store_features_describe_fraud_behaviour(store: EventStore) -> None:
    features = store_features.number_features(store.connect(threads=1))
    fraud, normal = features.loc[str(FRAUD)], features.loc[str(NORMALS[0])]
    assert fraud["out_calls"] == 30 and fraud["distinct_callees"] == 30
    assert fraud["short_call_share"] == 1.0 and fraud["callback_ratio"] == 0.0
    assert fraud["max_sims_per_imei"] == 2 and fraud["distinct_cells"] == 6
    assert fraud["is_virtual"] == 1 and normal["is_virtual"] == 0
    assert fraud["callee_communities"] == 4 and fraud["callee_elderly_share"] > 0.5
    assert normal["callback_ratio"] == 1.0 and normal["short_call_share"] == 0.0


def test_store_scan_writes_suspects_with_neighbour_type(store: EventStore) -> None:
    con = store.connect(threads=1)
    features = store_features.number_features(con)
    labels = np.isin(features.index, [str(FRAUD2), str(KNOWN)]).astype(int)
    model = FraudNumberModel(n_estimators=20, min_child_samples=1, folds=2).fit(
        features, labels, store_features.call_edges(con)
    )
    result = scan.scan(con, model)
    suspects = set(result.suspected["phone"])
    assert KNOWN not in suspects  # already blacklisted
    assert FRAUD in suspects
    row = result.suspected.set_index("phone").loc[FRAUD]
    assert row["fraud_type"] == "impersonate_police" and row["model_version"] == model.version
    scan.write_suspected(store, result.suspected)
    stored = store.connect(threads=1).execute("SELECT phone FROM suspected_numbers").fetchall()
    assert (FRAUD,) in stored
