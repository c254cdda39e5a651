"""One detection definition, two engines: Spark (local mode) must give DuckDB's warnings."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from fanzha.detection.engines import SparkEngine, local_spark
from fanzha.detection.keyword_scorer import KeywordScorer
from fanzha.detection.pipeline import DetectedWarning, run_detection
from fanzha.detection.rules import load_rules
from fanzha.ingest import ingest_directory
from fanzha.sim import SimConfig, simulate
from fanzha.store.event_store import EventStore

pytestmark = [
    pytest.mark.integration,
    pytest.mark.spark,
    pytest.mark.slow,
    pytest.mark.skipif(
        shutil.which("java") is None, reason="Spark needs Java (.ci/run installs it)"
    ),
]


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    session = local_spark("fanzha-test")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def city_store(tmp_path_factory: pytest.TempPathFactory) -> EventStore:
    root = tmp_path_factory.mktemp("spark-city")
    config = SimConfig(residents=3000, days=2, seed=5, fraud_multiplier=30)
    simulate(config, root / "sim")
    store = EventStore(root / "data")
    ingest_directory(root / "sim", store, pseudonym_key="test-key")
    return store


def comparable(warnings: list[DetectedWarning]) -> list[tuple[Any, ...]]:
    return sorted(
        (
            w.resident_id,
            w.episode_start,
            w.warned_at,
            w.last_signal_at,
            w.level,
            w.fraud_type,
            round(w.score, 6),
            w.n_signals,
            w.station,
            tuple((r.time, r.kind, round(r.weight, 6)) for r in w.reasons),
        )
        for w in warnings
    )


def test_spark_engine_gives_the_same_warnings_as_duckdb(city_store: EventStore, spark: Any) -> None:
    rules, scorer = load_rules(), KeywordScorer()
    on_duckdb = run_detection(city_store, rules, scorer)
    on_spark = run_detection(city_store, rules, scorer, engine=SparkEngine(city_store, spark))
    assert on_spark.engine == "spark"
    assert len(on_duckdb.warnings) > 10  # a city with real work to compare
    assert len({w.level for w in on_duckdb.warnings}) >= 3  # several levels, not one
    assert comparable(on_spark.warnings) == comparable(on_duckdb.warnings)
