"""``fanzha stream replay``: a simulator folder through intake, broker and consumer."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

from sqlalchemy import select

from fanzha.detection.keyword_scorer import KeywordScorer
from fanzha.detection.pipeline import run_detection
from fanzha.detection.rules import load_rules
from fanzha.ingest import ingest_directory
from fanzha.sim import SimConfig, simulate
from fanzha.store.database import make_engine, session_factory
from fanzha.store.event_store import EventStore
from fanzha.workflow.warning.models import EarlyWarning


def test_stream_replay_gives_the_batch_warnings_and_a_second_replay_changes_nothing(
    tmp_path: Path, redis_url: str
) -> None:
    sim = tmp_path / "sim"
    simulate(SimConfig(residents=1000, days=1, seed=9, fraud_multiplier=30), sim)
    batch_store = EventStore(tmp_path / "batch")
    ingest_directory(sim, batch_store, pseudonym_key="k")
    batch = run_detection(batch_store, load_rules(), KeywordScorer()).warnings
    url = f"sqlite:///{tmp_path / 'desk.db'}"
    env = dict(os.environ)
    env.update(
        FANZHA_DATA_DIR=str(tmp_path / "data"),
        FANZHA_DATABASE_URL=url,
        FANZHA_PSEUDONYM_KEY="k",
        FANZHA_STREAM_REDIS_URL=redis_url,
        FANZHA_STREAM_NAME=f"cli:{uuid.uuid4().hex}",
    )
    command = [sys.executable, "-m", "fanzha", "stream", "replay", str(sim)]
    first = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    assert "already queued" in first.stdout and "consumed" in first.stdout
    again = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    assert "replayed 0 events" in again.stdout  # every event a duplicate: nothing re-queued
    engine = make_engine(url)
    with session_factory(engine)() as session:
        rows = list(session.scalars(select(EarlyWarning)))
        streamed = sorted((w.resident_id, w.episode_start, w.level, w.fraud_type) for w in rows)
    engine.dispose()
    assert len(batch) > 5
    assert streamed == sorted(
        (w.resident_id, w.episode_start, w.level, w.fraud_type) for w in batch
    )
