"""The pandas baseline of the benchmark computes exactly the warnings of the DuckDB plan.

``bench/bench_pipeline.py`` times DuckDB detection against ``bench/pandas_detection.py``; this
test proves the two compute the same thing on a small simulated city, so the ratio compares
like with like. No timing is asserted.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from bench.pandas_detection import WARNING_COLUMNS, detect_pandas

from fanzha.detection.engines import DuckDBEngine
from fanzha.detection.keyword_scorer import KeywordScorer
from fanzha.detection.pipeline import judge_texts
from fanzha.detection.plan import build_plan
from fanzha.detection.rules import load_rules
from fanzha.ingest import ingest_directory
from fanzha.sim import SimConfig, simulate
from fanzha.store.event_store import EventStore

KEYS = ["resident_id", "episode"]


def _normalise(frame: pd.DataFrame) -> pd.DataFrame:
    """Plain Python values, one row per episode in a fixed order, for a row-by-row compare."""
    out = frame[list(WARNING_COLUMNS)].copy()
    out["episode"] = out["episode"].astype("int64")
    for col in ("level", "n_signals"):
        out[col] = out[col].astype("int64")
    out["phone"] = out["phone"].astype("Int64")
    out["score"] = out["score"].astype("float64")
    return out.sort_values(KEYS).reset_index(drop=True)


@pytest.mark.slow
def test_pandas_baseline_matches_duckdb(tmp_path: Path) -> None:
    simulate(SimConfig(residents=3000, days=2, seed=3, fraud_multiplier=20), tmp_path / "sim")
    store = EventStore(tmp_path / "data")
    ingest_directory(tmp_path / "sim", store, pseudonym_key="test-baseline")
    rules = load_rules()
    verdicts = judge_texts(store, KeywordScorer())

    engine = DuckDBEngine(store)
    duck_table, _ = engine.run(build_plan(rules), verdicts)
    engine.con.close()
    duck = _normalise(duck_table.to_pandas())
    baseline = _normalise(detect_pandas(store, rules, verdicts))

    assert len(duck) >= 10, "the small city should raise a fair number of warnings"
    assert duck["level"].nunique() >= 2
    assert list(baseline.columns) == list(duck.columns)
    assert baseline[KEYS].equals(duck[KEYS]), "different residents or episodes warned"
    exact = [c for c in WARNING_COLUMNS if c not in (*KEYS, "score")]
    for col in exact:
        left, right = duck[col].astype(object), baseline[col].astype(object)
        same = (left == right) | (duck[col].isna() & baseline[col].isna())
        assert same.all(), f"{col} differs:\n{pd.concat([duck[KEYS], left, right], axis=1)[~same]}"
    np.testing.assert_allclose(baseline["score"], duck["score"], rtol=0, atol=1e-6)
