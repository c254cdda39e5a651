"""Exactly once: crashes anywhere lose no warning, duplicate none, raise no level twice."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from fanzha.detection.keyword_scorer import KeywordScorer
from fanzha.detection.pipeline import DetectedWarning, run_detection
from fanzha.detection.rules import load_rules
from fanzha.settings import Settings
from fanzha.store.database import make_engine, session_factory
from fanzha.store.event_store import EventStore
from fanzha.stream.broker import EventQueue
from fanzha.stream.runtime import keyed, make_consumer, make_queue, publish
from fanzha.stream.source import store_events
from fanzha.workflow.stream.models import StreamCheckpoint, StreamRaise
from fanzha.workflow.warning.models import EarlyWarning


def settings_for(
    store: EventStore, tmp: Path, redis_url: str, stream: str, db_url: str | None = None
) -> Settings:
    return Settings(
        data_dir=store.root,
        database_url=db_url or f"sqlite:///{tmp / 'workflow.db'}",
        stream_redis_url=redis_url,
        stream_name=stream,
        stream_queue_max=10_000_000,
        stream_batch=1000,
        stream_snapshot_seconds=0.2,
    )


def env_of(settings: Settings) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        FANZHA_DATA_DIR=str(settings.data_dir),
        FANZHA_DATABASE_URL=settings.database_url,
        FANZHA_STREAM_REDIS_URL=settings.stream_redis_url,
        FANZHA_STREAM_NAME=settings.stream_name,
        FANZHA_STREAM_QUEUE_MAX=str(settings.stream_queue_max),
        FANZHA_STREAM_BATCH=str(settings.stream_batch),
        FANZHA_STREAM_SNAPSHOT_SECONDS=str(settings.stream_snapshot_seconds),
    )
    return env


def expected(store: EventStore) -> list[tuple[Any, ...]]:
    return comparable(run_detection(store, load_rules(), KeywordScorer()).warnings)


def comparable(warnings: list[DetectedWarning] | list[EarlyWarning]) -> list[tuple[Any, ...]]:
    return sorted(
        (w.resident_id, w.episode_start, w.warned_at, w.level, w.fraud_type, w.n_signals,
         tuple((h.level, h.at) for h in w.level_history))
        for w in warnings
    )  # fmt: skip


def stored(settings: Settings) -> tuple[list[EarlyWarning], int, list[Any], int]:
    engine = make_engine(settings.effective_database_url)
    with session_factory(engine)() as session:
        warnings = list(session.scalars(select(EarlyWarning)))
        raises = int(session.scalar(select(func.count()).select_from(StreamRaise)) or 0)
        doubled = list(
            session.execute(
                select(StreamRaise.resident_id, StreamRaise.level, func.count())
                .group_by(StreamRaise.resident_id, StreamRaise.episode_start, StreamRaise.level)
                .having(func.count() > 1)
            )
        )
        checkpoint = session.get(StreamCheckpoint, "default")
        events = checkpoint.events if checkpoint is not None else 0
        session.expunge_all()
    engine.dispose()
    return warnings, raises, doubled, events


def test_consumer_restart_from_snapshot_equals_one_run(
    city_store: EventStore, redis_url: str, tmp_path: Path, db_url: str
) -> None:
    """On SQLite and PostgreSQL (the workflow store the consumer commits to)."""
    settings = settings_for(city_store, tmp_path, redis_url, f"once:{uuid.uuid4().hex}", db_url)
    report = publish(make_queue(settings), keyed(store_events(city_store)), rate=None)
    first = make_consumer(settings)
    for _ in range(40):  # part of the stream, snapshots along the way; then a "crash"
        first.step()
        time.sleep(0.01)
    assert 0 < first.scorer.state.events < report.sent
    second = make_consumer(settings)  # restores the snapshot and re-scores up to the offset
    assert second.offset == first.offset
    assert second.scorer.state.events == first.scorer.state.events
    while second.step():
        pass
    warnings, raises, doubled, events = stored(settings)
    assert events == report.sent
    assert comparable(warnings) == expected(city_store)
    assert raises == sum(len(w.level_history) for w in warnings) and not doubled
    # routed in the consumer's own transaction: on the station's queue once committed
    assert all(w.status == "routed" and w.routed_at is not None for w in warnings)


def consumed_so_far(settings: Settings) -> int:
    """Events the stored checkpoint covers; 0 while the store is not (fully) created yet: a
    consumer killed during its first migration leaves the file with the upgrade rolled back."""
    try:
        return stored(settings)[3]
    except OperationalError:
        return 0


PUBLISH = (
    "import sys; from pathlib import Path; from fanzha.settings import Settings; "
    "from fanzha.store.event_store import EventStore; "
    "from fanzha.stream.runtime import keyed, make_queue, publish; "
    "from fanzha.stream.source import store_events; "
    "publish(make_queue(Settings()), keyed(store_events(EventStore(Path(sys.argv[1])))), "
    "rate=None, batch=200)"
)


def run_killed(
    args: list[str], env: dict[str, str], after: float, progress: Settings | None = None
) -> None:
    """SIGKILL ``args`` ``after`` s after it started — or, with ``progress``, ``after`` s after
    its first committed checkpoint (so the kill lands mid-stream however fast the machine)."""
    process = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while progress is not None and process.poll() is None and time.monotonic() < deadline:
        if consumed_so_far(progress) > 0:
            break
        time.sleep(0.02)
    time.sleep(after)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)


@pytest.mark.slow
def test_consumer_killed_at_random_points_loses_and_duplicates_nothing(
    city_store: EventStore, redis_url: str, tmp_path: Path
) -> None:
    settings = settings_for(city_store, tmp_path, redis_url, f"kill:{uuid.uuid4().hex}")
    env = env_of(settings)
    pick = random.Random(20261204)
    publisher = [sys.executable, "-c", PUBLISH, str(city_store.root)]
    run_killed(publisher, env, pick.uniform(1.5, 3.0))  # killed while queueing events
    sender = subprocess.Popen(publisher, env=env, stderr=subprocess.PIPE)  # resends all
    consumer = [sys.executable, "-m", "fanzha", "stream", "serve"]
    total = sum(1 for _ in store_events(city_store))
    progress = []
    for n in range(6):  # killed starting, restoring, scoring, writing warnings or snapshots
        if n < 2:  # at a random moment of start-up (migration, lookups, first batches)
            run_killed(consumer, env, pick.uniform(0.5, 4.0))
        else:  # soon after a checkpoint: mid-stream, during scoring or a write
            run_killed(consumer, env, pick.uniform(0.0, 0.3), progress=settings)
        progress.append(consumed_so_far(settings))
    assert any(0 < done < total for done in progress), progress  # killed mid-stream
    assert sender.wait(timeout=120) == 0, sender.stderr.read() if sender.stderr else ""
    final = subprocess.Popen(consumer, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert final.stdout is not None and b"consuming" in final.stdout.readline()  # started
    queue = EventQueue(settings.stream_redis_url, settings.stream_name)
    deadline = time.monotonic() + 120
    while queue.pending() > 0 and time.monotonic() < deadline and final.poll() is None:
        time.sleep(0.2)
    final.send_signal(signal.SIGTERM)
    assert final.wait(timeout=30) == 0, final.stderr.read() if final.stderr else ""
    warnings, raises, doubled, events = stored(settings)
    assert events == total
    assert comparable(warnings) == expected(city_store)
    assert raises == sum(len(w.level_history) for w in warnings) and not doubled
