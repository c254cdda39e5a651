"""Wiring of the Spark Structured Streaming job from settings, and its replay of a city."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from fanzha.errors import ConfigError
from fanzha.settings import Settings
from fanzha.store.database import make_engine, session_factory, upgrade
from fanzha.store.event_store import EventStore
from fanzha.stream.runtime import load_reference, scoring_inputs, stage_events
from fanzha.stream.spark import (
    JobOptions,
    SinkConfig,
    SparkScoring,
    start_job,
    use_this_python,
    write_event_files,
)
from fanzha.workflow.clock import local_now
from fanzha.workflow.stream import service as checkpoints
from fanzha.workflow.warning.models import EarlyWarning
from fanzha.workflow.warning.routing import DeskConfig

log = logging.getLogger(__name__)


def start_spark_job(
    settings: Settings,
    options: JobOptions,
    *,
    text_model: Path | None = None,
    name: str = "default",
    lookups_from: EventStore | None = None,
) -> tuple[Any, Any]:
    """A local Spark session and the started query over ``options.source``.

    Blacklists, residents and the profiles come from the event store, as for the Redis
    consumer; warnings go to the configured workflow store and the desk's routing.
    """
    from fanzha.detection.engines import local_spark

    if not options.source.is_dir():
        raise ConfigError(f"the source folder {options.source} does not exist")
    inputs = scoring_inputs(settings, text_model, lookups_from)
    rules, url = inputs.rules, settings.effective_database_url
    scoring = SparkScoring(rules, inputs.lookups, inputs.text_scorer, settings.stream_history_days)
    sink = SinkConfig(
        factory=session_factory(make_engine(url)),
        name=f"spark:{name}",
        rules_version=rules.full_version,
        episode_gap=dt.timedelta(hours=rules.scoring.episode_gap_hours),
        clock=lambda: local_now(settings.timezone),
        desk=DeskConfig(sla=settings.sla_minutes, capacity=settings.officer_capacity),
    )
    use_this_python()
    spark = local_spark("fanzha-stream", cores=settings.threads)
    return spark, start_job(spark, scoring, sink, options)


@dataclass
class SparkReplayReport:
    """What a Spark replay consumed and how long it took."""

    files: int
    events: int
    seconds: float
    warnings_written: int


def spark_replay(
    sim_dir: Path, settings: Settings, *, events_per_file: int, files_per_trigger: int
) -> SparkReplayReport:
    """A simulator folder as event files, consumed by the Spark job until none is left."""
    load_reference(sim_dir, settings)
    staging = stage_events(sim_dir, settings)
    digest = hashlib.sha256(str(sim_dir.resolve()).encode()).hexdigest()[:12]
    home = settings.data_dir / "stream" / f"spark-{digest}"
    source = home / "source"
    files = sorted(source.glob("events-*.jsonl")) if source.is_dir() else []
    if not files:
        files = write_event_files(staging, source, events_per_file)
    options = JobOptions(source, home / "checkpoint", files_per_trigger, available_now=True)
    upgrade(settings.effective_database_url)
    factory = session_factory(make_engine(settings.effective_database_url))
    before = _events_scored(factory)
    start = time.monotonic()
    spark, query = start_spark_job(settings, options, lookups_from=staging)
    try:
        query.awaitTermination()
    finally:
        spark.stop()
    seconds = time.monotonic() - start
    with factory() as session:
        written = int(session.scalar(select(func.count()).select_from(EarlyWarning)) or 0)
    return SparkReplayReport(len(files), _events_scored(factory) - before, seconds, written)


def _events_scored(factory: sessionmaker[Session]) -> int:
    """Resident-events the job has committed so far (an event of two residents counts twice)."""
    with factory() as session:
        row = checkpoints.get(session=session, name="spark:default")
        return row.events if row is not None else 0
