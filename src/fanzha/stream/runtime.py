"""Wiring from settings: the queue, a consumer, and the replay of a simulator folder."""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from fanzha.detection.rules import load_rules
from fanzha.detection.rules.model import Rules
from fanzha.detection.service import load_text_scorer
from fanzha.detection.text.base import TextScorer
from fanzha.errors import QueueFullError
from fanzha.ingest import ingest_directory
from fanzha.ingest.directory import parts_of
from fanzha.ingest.pipeline import ingest_files
from fanzha.settings import Settings
from fanzha.store.database import make_engine, session_factory, upgrade
from fanzha.store.event_store import EventStore
from fanzha.stream.broker import EventQueue
from fanzha.stream.consumer import ConsumerConfig, StreamConsumer
from fanzha.stream.events import Event
from fanzha.stream.lookups import Lookups, build_lookups
from fanzha.stream.scorer import StreamScorer
from fanzha.stream.source import store_events
from fanzha.workflow.clock import local_now
from fanzha.workflow.warning.routing import DeskConfig

log = logging.getLogger(__name__)
REFERENCE_KINDS = ("jurisdictions", "residents", "indicators")


def make_queue(settings: Settings) -> EventQueue:
    """The configured event stream."""
    return EventQueue(
        settings.stream_redis_url,
        settings.stream_name,
        max_pending=settings.stream_queue_max,
        dedupe_seconds=settings.stream_dedupe_minutes * 60,
    )


@dataclass(frozen=True)
class ScoringInputs:
    """What a streaming scorer (Redis consumer or Spark job) scores with."""

    rules: Rules
    store: EventStore
    lookups: Lookups
    text_scorer: TextScorer


def scoring_inputs(
    settings: Settings, text_model: Path | None, lookups_from: EventStore | None
) -> ScoringInputs:
    """Rules, lookups (from ``lookups_from`` or the event store) and text scorer from
    settings; the workflow store migrated, as both streaming paths need it."""
    rules = load_rules(settings.rules_file)
    store = lookups_from or EventStore(settings.data_dir)
    upgrade(settings.effective_database_url)
    lookups = build_lookups(store, rules, settings.threads)
    return ScoringInputs(rules, store, lookups, load_text_scorer(text_model))


def make_consumer(
    settings: Settings,
    *,
    text_model: Path | None = None,
    name: str = "default",
    lookups_from: EventStore | None = None,
) -> StreamConsumer:
    """A consumer over the configured stream, store and rules (its checkpoint restored).

    Blacklists, residents and the profiles come from the event store (``lookups_from``: a
    replay takes them from the replayed folder, as ``fanzha detect`` over it would), and are
    rebuilt from it every ``FANZHA_STREAM_REFRESH_MINUTES`` (0: never).
    """
    inputs = scoring_inputs(settings, text_model, lookups_from)
    rules, store, url = inputs.rules, inputs.store, settings.effective_database_url
    scorer = StreamScorer(
        rules, inputs.lookups, inputs.text_scorer, history_days=settings.stream_history_days
    )
    consumer = StreamConsumer(
        queue=make_queue(settings),
        factory=session_factory(make_engine(url)),
        scorer=scorer,
        config=ConsumerConfig(
            name=name,
            batch=settings.stream_batch,
            snapshot_seconds=settings.stream_snapshot_seconds,
            refresh_seconds=settings.stream_refresh_minutes * 60,
        ),
        clock=lambda: local_now(settings.timezone),
        desk=DeskConfig(sla=settings.sla_minutes, capacity=settings.officer_capacity),
        rebuild=lambda: build_lookups(store, rules, settings.threads),
    )
    consumer.start()
    return consumer


def load_reference(sim_dir: Path, settings: Settings) -> None:
    """Residents, jurisdictions and blacklists of a simulator folder into the event store."""
    store = EventStore(settings.data_dir)
    for kind in REFERENCE_KINDS:
        paths = parts_of(sim_dir, kind)
        if paths:
            ingest_files(
                kind, paths, store, pseudonym_key=settings.pseudonym_key, timezone=settings.timezone
            )


def stage_events(sim_dir: Path, settings: Settings) -> EventStore:
    """The folder validated and normalised by file ingest into a staging store of its own."""
    digest = hashlib.sha256(str(sim_dir.resolve()).encode()).hexdigest()[:12]
    staging = EventStore(settings.data_dir / "stream" / f"replay-{digest}")
    if not staging.files("calls"):
        ingest_directory(
            sim_dir, staging, pseudonym_key=settings.pseudonym_key, timezone=settings.timezone
        )
    return staging


def keyed(events: Iterator[Event]) -> Iterator[Event]:
    """Events with a source id (kind and position): a second replay is all duplicates."""
    for n, event in enumerate(events):
        event["source_id"] = f"replay:{event['kind']}:{n}"
        yield event


@dataclass
class ReplayReport:
    """What a replay sent and how long it took."""

    sent: int = 0
    duplicates: int = 0
    waits: int = 0
    seconds: float = 0.0
    last_id: str = "0-0"


def publish(
    queue: EventQueue, events: Iterator[Event], *, rate: float | None, batch: int = 500
) -> ReplayReport:
    """Append events to the stream at ``rate`` events/s (as fast as allowed when None)."""
    report = ReplayReport()
    start = time.monotonic()
    chunk: list[Event] = []
    for event in events:
        chunk.append(event)
        if len(chunk) >= batch:
            _send(queue, chunk, report)
            chunk = []
            _pace(start, report.sent + report.duplicates, rate)
    if chunk:
        _send(queue, chunk, report)
    report.seconds = time.monotonic() - start
    return report


def _send(queue: EventQueue, chunk: list[Event], report: ReplayReport) -> None:
    while True:
        try:
            done = queue.append(chunk)
            break
        except QueueFullError:  # back-pressure: wait for the consumer, drop nothing
            report.waits += 1
            time.sleep(0.05)
    for item in done:
        if item.stream_id is None:
            report.duplicates += 1
        else:
            report.sent += 1
            report.last_id = item.stream_id


def _pace(start: float, done: int, rate: float | None) -> None:
    if rate:
        ahead = done / rate - (time.monotonic() - start)
        if ahead > 0:
            time.sleep(ahead)


def consume_in_background(consumer: StreamConsumer) -> tuple[threading.Thread, threading.Event]:
    """Run ``consumer`` in a thread until the returned event is set."""
    stop = threading.Event()
    thread = threading.Thread(target=consumer.run, args=(stop.is_set,), daemon=True)
    thread.start()
    return thread, stop


def replay(sim_dir: Path, settings: Settings, *, rate: float | None, consume: bool) -> ReplayReport:
    """Feed a simulator folder through intake, broker and consumer; return when consumed."""
    load_reference(sim_dir, settings)
    staging = stage_events(sim_dir, settings)
    queue = make_queue(settings)
    consumer = make_consumer(settings, lookups_from=staging) if consume else None
    worker = consume_in_background(consumer) if consumer is not None else None
    report = publish(queue, keyed(store_events(staging)), rate=rate)
    while queue.pending() > 0:
        time.sleep(0.05)
    if worker is not None:
        worker[1].set()
        worker[0].join()
    return report
