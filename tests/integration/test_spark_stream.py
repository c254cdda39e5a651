"""Spark Structured Streaming scores like ``fanzha detect``, across restarts and re-run batches."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from fanzha.detection.engines import local_spark
from fanzha.detection.keyword_scorer import KeywordScorer
from fanzha.detection.pipeline import DetectedWarning, run_detection
from fanzha.detection.rules import load_rules
from fanzha.ingest import ingest_directory
from fanzha.sim import SimConfig, simulate
from fanzha.store.database import make_engine, session_factory, upgrade
from fanzha.store.event_store import EventStore
from fanzha.stream import spark as spark_stream
from fanzha.stream.lookups import build_lookups
from fanzha.workflow.stream.models import StreamCheckpoint, StreamRaise
from fanzha.workflow.warning.models import EarlyWarning

pytestmark = [
    pytest.mark.integration,
    pytest.mark.spark,
    pytest.mark.slow,
    pytest.mark.skipif(
        shutil.which("java") is None, reason="Spark needs Java (.ci/run installs it)"
    ),
]
JOB = "spark:test"


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    spark_stream.use_this_python()
    session = local_spark("fanzha-stream-test")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def city_store(tmp_path_factory: pytest.TempPathFactory) -> EventStore:
    root = tmp_path_factory.mktemp("spark-stream-city")
    simulate(SimConfig(residents=3000, days=2, seed=5, fraud_multiplier=30), root / "sim")
    store = EventStore(root / "data")
    ingest_directory(root / "sim", store, pseudonym_key="test-key")
    return store


def comparable(warnings: list[DetectedWarning] | list[EarlyWarning]) -> list[tuple[Any, ...]]:
    return sorted(
        (w.resident_id, w.episode_start, w.warned_at, w.level, w.fraud_type, w.n_signals,
         round(w.score, 3), tuple((h.level, h.at) for h in w.level_history))
        for w in warnings
    )  # fmt: skip


class Job:
    """One workflow store, one source folder, one Spark checkpoint."""

    def __init__(self, store: EventStore, tmp: Path, spark: Any) -> None:
        rules = load_rules()
        self.spark = spark
        self.scoring = spark_stream.SparkScoring(
            rules, build_lookups(store, rules), KeywordScorer()
        )
        url = f"sqlite:///{tmp / 'workflow.db'}"
        upgrade(url)
        self.factory = session_factory(make_engine(url))
        self.sink = spark_stream.SinkConfig(
            self.factory,
            JOB,
            rules.full_version,
            dt.timedelta(hours=rules.scoring.episode_gap_hours),
            lambda: dt.datetime(2026, 12, 7, 9, 0),
        )
        # few buckets: many residents share one, and most calls cross two
        self.options = spark_stream.JobOptions(tmp / "source", tmp / "checkpoint", buckets=7)

    def run(self) -> None:
        spark_stream.start_job(self.spark, self.scoring, self.sink, self.options).awaitTermination()

    def stored(self) -> tuple[list[EarlyWarning], int, int, StreamCheckpoint | None]:
        with self.factory() as session:
            warnings = list(session.scalars(select(EarlyWarning)))
            raises = int(session.scalar(select(func.count()).select_from(StreamRaise)) or 0)
            doubled = session.execute(
                select(StreamRaise.resident_id)
                .group_by(StreamRaise.resident_id, StreamRaise.episode_start, StreamRaise.level)
                .having(func.count() > 1)
            ).all()
            checkpoint = session.get(StreamCheckpoint, JOB)
            session.expunge_all()
        return warnings, raises, len(doubled), checkpoint


def test_spark_stream_equals_batch_across_a_restart_and_a_rerun_batch(
    city_store: EventStore, spark: Any, tmp_path: Path
) -> None:
    expected = comparable(run_detection(city_store, load_rules(), KeywordScorer()).warnings)
    assert len(expected) > 50 and {w[3] for w in expected} >= {2, 3, 4}
    files = spark_stream.write_event_files(city_store, tmp_path / "all", 20_000)
    assert len(files) >= 6
    job = Job(city_store, tmp_path, spark)
    (tmp_path / "source").mkdir()
    half = len(files) // 2
    for path in files[:half]:  # the first half arrives; the job consumes it and stops
        shutil.copy2(path, tmp_path / "source" / path.name)
    job.run()
    partial, _, _, checkpoint = job.stored()
    assert checkpoint is not None and checkpoint.offset == str(half - 1)
    assert 0 < len(partial) < len(expected)

    for path in files[half:]:  # the rest arrives; a new query resumes from the checkpoint
        shutil.copy2(path, tmp_path / "source" / path.name)
    job.run()
    warnings, raises, doubled, checkpoint = job.stored()
    assert checkpoint is not None and checkpoint.offset == str(len(files) - 1)
    assert comparable(warnings) == expected
    assert raises == sum(len(w.level_history) for w in warnings) and doubled == 0

    # a crash after the sink committed but before Spark logged the batch as done: Spark runs
    # the last batch again from the state before it; the sink must write nothing twice
    last_commit = tmp_path / "checkpoint" / "commits" / str(len(files) - 1)
    last_commit.unlink()
    (last_commit.parent / f".{last_commit.name}.crc").unlink(missing_ok=True)  # its checksum
    job.run()
    assert last_commit.exists()  # the batch was run again and committed this time
    again, raises_again, doubled, checkpoint_again = job.stored()
    assert comparable(again) == expected
    assert raises_again == raises and doubled == 0
    assert checkpoint_again is not None and checkpoint_again.events == checkpoint.events


def test_events_are_routed_to_every_resident_they_concern(city_store: EventStore) -> None:
    rules = load_rules()
    lookups = build_lookups(city_store, rules)
    phones = sorted(lookups.resident_of_phone)
    a, b = phones[0], phones[1]
    call = {"kind": "calls", "caller": a, "callee": b}
    assert spark_stream.residents_of_event(call, lookups) == {
        lookups.resident_of_phone[a],
        lookups.resident_of_phone[b],
    }
    stranger = {"kind": "calls", "caller": 1, "callee": 2}
    assert spark_stream.residents_of_event(stranger, lookups) == set()
    lead = {"kind": "leads", "phone": 99, "id_hash": None}
    assert spark_stream.residents_of_event(lead, lookups) == {"N99"}
