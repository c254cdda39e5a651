"""The stream's scoring on Spark Structured Streaming: the scale-out of ``fanzha stream serve``.

The scoring definition is the one the Redis consumer runs (:class:`StreamScorer`, proven equal
to ``fanzha detect``); Spark partitions it by resident into buckets and keeps each bucket's
state in its checkpointed state store::

    JSON-lines files (one stored-form event per line)      -- a Kafka topic in a province
      --mapInPandas(route)-->   (bucket, line): one row per bucket of the residents the
                                event concerns (bucket = crc32(resident) mod buckets)
      --groupBy(bucket).applyInPandasWithState(score)-->
                                (bucket, payload): events scored, changed warnings, raises
      --foreachBatch(sink)-->   take_in + level raises + desk routing + batch id, one transaction

A bucket's state is the :class:`ResidentState` of its residents and the first-of-a-kind
history of the events that concern them (:class:`SeenState`), pickled. Every key of that
history holds a resident's own phone or account, so partitioning loses nothing; an event
between residents of two buckets is scored in both, each keeping only its own residents'
signals.

Exactly once: Spark commits the source offsets and the state store version after ``sink``
returns; after a crash it re-runs the last batch with the same id from the state before it.
The sink writes the batch id in the same transaction as the warnings and skips an id it has
already committed, so a re-run writes nothing twice.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import pickle
import sys
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from fanzha.detection.pipeline import DetectedWarning
from fanzha.detection.rules.model import Rules
from fanzha.detection.text.base import TextScorer
from fanzha.errors import StreamError
from fanzha.store.database import transaction
from fanzha.store.event_store import EventStore
from fanzha.stream.events import Event, from_wire, order_key, to_wire
from fanzha.stream.lookups import Lookups
from fanzha.stream.scorer import LevelRaise, StreamScorer, StreamState, resident_of
from fanzha.stream.seen import HISTORY_DAYS, SeenState
from fanzha.stream.source import batches_by_second, store_events
from fanzha.stream.state import ResidentState
from fanzha.workflow.stream import service as checkpoints
from fanzha.workflow.warning.from_detection import take_in
from fanzha.workflow.warning.routing import DeskConfig, route_new

log = logging.getLogger(__name__)

ROUTED_SCHEMA = "bucket INT, line STRING"
OUTPUT_SCHEMA = "bucket INT, payload BINARY"
STATE_SCHEMA = "blob BINARY"
# the phone columns whose owner an event concerns (leads also by their ID hash)
_PHONES = {
    "calls": ("caller", "callee"),
    "sms": ("sender", "receiver"),
    "url_visits": ("phone",),
    "app_events": ("phone",),
    "transfers": ("payer_phone",),
    "leads": ("phone",),
}


@dataclass(frozen=True)
class SparkScoring:
    """What every Spark task scores with (broadcast once to the executors)."""

    rules: Rules
    lookups: Lookups
    text_scorer: TextScorer
    history_days: int = HISTORY_DAYS


@dataclass(frozen=True)
class SinkConfig:
    """Where the sink writes: the workflow store, the desk's routing, the job's name."""

    factory: sessionmaker[Session]
    name: str
    rules_version: str
    episode_gap: dt.timedelta
    clock: Callable[[], dt.datetime]
    desk: DeskConfig | None = None


# ----------------------------------------------------------------------------- the source
def write_event_files(store: EventStore, out_dir: Path, events_per_file: int) -> list[Path]:
    """The store's events as JSON-lines files in event-time order (what the job reads).

    A second is never split across two files; each file is written under a hidden name and
    renamed (Spark ignores names that start with a dot), and file modification times follow
    the file order, which is the order Spark's file source takes them in.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    seq = 0
    base = dt.datetime.now().timestamp() - 1e6
    for n, batch in enumerate(batches_by_second(store_events(store), events_per_file), 1):
        lines = []
        for event in batch:
            event["seq"] = seq
            event["source_id"] = f"spark:{event['kind']}:{seq}"
            lines.append(json.dumps(to_wire(event), ensure_ascii=False))
            seq += 1
        path = out_dir / f"events-{n:06d}.jsonl"
        hidden = out_dir / f".{path.name}.tmp"
        hidden.write_text("\n".join(lines) + "\n", encoding="utf-8")
        hidden.replace(path)
        os.utime(path, (base + n, base + n))
        written.append(path)
    return written


def residents_of_event(event: Event, lookups: Lookups) -> set[str]:
    """Every resident an event may give a signal to (its partition keys)."""
    upstream = event["kind"] == "leads"
    found = {
        resident_of(lookups, event.get(column), None, upstream=False)
        for column in _PHONES[event["kind"]]
    }
    if upstream:
        found.add(resident_of(lookups, event.get("phone"), event.get("id_hash"), upstream=True))
    return {r for r in found if r is not None}


# ------------------------------------------------------------------------ the executor side
_SCORERS: dict[int, tuple[SparkScoring, StreamScorer]] = {}


def _scorer(spec: Any) -> StreamScorer:
    """One scorer per executor process and broadcast (the text scorer loads once)."""
    scoring: SparkScoring = spec.value  # loaded once per process, then the same object
    found = _SCORERS.get(id(scoring))
    if found is None:
        scorer = StreamScorer(
            scoring.rules,
            scoring.lookups,
            scoring.text_scorer,
            history_days=scoring.history_days,
        )
        found = _SCORERS[id(scoring)] = (scoring, scorer)  # the tuple keeps the id valid
    return found[1]


def bucket_of(resident: str, buckets: int) -> int:
    """The state partition of a resident (stable across processes and runs)."""
    return zlib.crc32(resident.encode()) % buckets


def route_lines(spec: Any, buckets: int, frames: Iterable[Any]) -> Iterator[Any]:
    """``mapInPandas``: each event line once per bucket of the residents it concerns."""
    import pandas as pd

    lookups = spec.value.lookups
    for frame in frames:
        keys: list[int] = []
        lines: list[str] = []
        for line in frame["value"]:
            if not line or not line.strip():
                continue
            residents = residents_of_event(from_wire(json.loads(line)), lookups)
            for bucket in sorted({bucket_of(r, buckets) for r in residents}):
                keys.append(bucket)
                lines.append(line)
        yield pd.DataFrame({"bucket": keys, "line": lines})


def score_bucket(
    spec: Any, buckets: int, key: tuple[int], frames: Iterable[Any], state: Any
) -> Iterator[Any]:
    """``applyInPandasWithState``: one bucket's events of a micro-batch through the scorer.

    The scorer scores every resident an event concerns; only the bucket's own residents'
    warnings, raises and state are kept (the others are scored in their own buckets).
    """
    import pandas as pd

    bucket = int(key[0])
    events = sorted(
        (from_wire(json.loads(line)) for frame in frames for line in frame["line"]),
        key=lambda e: (order_key(e), e.get("seq", 0)),
    )
    for event in events:
        event["offset"] = event.get("source_id")
    residents, seen = _restore(state)
    scorer = _scorer(spec)
    scorer.restore(StreamState(seen=seen, residents=residents))

    def mine(resident: str) -> bool:
        return bucket_of(resident, buckets) == bucket

    warnings = [w for w in scorer.feed(events) if mine(w.resident_id)]
    raised = [r for r in scorer.raised if mine(r.resident_id)]
    kept = {r: s for r, s in scorer.state.residents.items() if mine(r)}
    state.update((pickle.dumps((kept, scorer.state.seen), protocol=pickle.HIGHEST_PROTOCOL),))
    # one row per bucket and batch, so the sink can count the events scored
    payload = pickle.dumps((len(events), warnings, raised), protocol=pickle.HIGHEST_PROTOCOL)
    yield pd.DataFrame({"bucket": [bucket], "payload": [payload]})


def _restore(state: Any) -> tuple[dict[str, ResidentState], SeenState]:
    if not state.exists:
        return {}, SeenState()
    residents, seen = pickle.loads(state.get[0])  # the job's own state store, never input
    return residents, seen


# ---------------------------------------------------------------------------- the driver side
def sink_batch(rows: list[tuple[int, bytes]], batch_id: int, config: SinkConfig) -> bool:
    """Write one micro-batch's warnings with its id; False when the id was already written."""
    warnings: list[DetectedWarning] = []
    raised: list[LevelRaise] = []
    events = 0
    for _bucket, payload in sorted(rows):
        n, found, up = pickle.loads(payload)  # written by score_bucket in this job
        events, warnings, raised = events + n, warnings + found, raised + up
    now = config.clock()
    with transaction(config.factory) as session:
        row = checkpoints.get(session=session, name=config.name)
        if row is not None and row.rules_version != config.rules_version:
            raise StreamError(
                "the Spark job's checkpoint was made with other rules; start a new checkpoint",
                checkpoint=row.rules_version,
                rules=config.rules_version,
            )
        if row is not None and int(row.offset) >= batch_id:
            log.info("spark batch %d was already written; skipped", batch_id)
            return False
        take_in(
            session,
            warnings,
            rules_version=config.rules_version,
            engine="spark-stream",
            episode_gap=config.episode_gap,
        )
        checkpoints.record_raises(session=session, raises=raised, now=now)
        if config.desk is not None:
            route_new(session=session, config=config.desk, now=now)
        checkpoints.advance(
            session=session,
            name=config.name,
            offset=str(batch_id),
            events=(row.events if row is not None else 0) + events,
            rules_version=config.rules_version,
            now=now,
        )
    return True


def use_this_python() -> None:
    """Spark's Python workers run this interpreter (the one with Fanzha installed)."""
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)


@dataclass(frozen=True)
class JobOptions:
    """How the job reads its source and triggers."""

    source: Path
    checkpoint: Path
    files_per_trigger: int = 1
    available_now: bool = True  # consume what is there, then stop (else run until stopped)
    trigger_seconds: float = 1.0
    # state partitions: each holds the state of the residents hashed to it, pickled whole
    # when one of them has an event; more buckets = smaller pickles, more per-group overhead.
    # Fixed for the life of a checkpoint (a change would scatter the residents' state).
    buckets: int = 1024


def start_job(spark: Any, scoring: SparkScoring, sink: SinkConfig, options: JobOptions) -> Any:
    """Start the streaming query; the caller awaits or stops it."""
    from functools import partial

    from pyspark.sql.streaming.state import GroupStateTimeout

    if options.files_per_trigger < 1 or options.buckets < 1:
        raise StreamError("files per trigger and buckets must be at least 1")
    spec = spark.sparkContext.broadcast(scoring)
    lines = spark.readStream.option("maxFilesPerTrigger", options.files_per_trigger).text(
        str(options.source)
    )
    scored = (
        lines.mapInPandas(partial(route_lines, spec, options.buckets), ROUTED_SCHEMA)
        .groupBy("bucket")
        .applyInPandasWithState(
            partial(score_bucket, spec, options.buckets),
            OUTPUT_SCHEMA,
            STATE_SCHEMA,
            "Update",
            GroupStateTimeout.NoTimeout,
        )
    )

    def write(frame: Any, batch_id: int) -> None:
        rows = [(int(r["bucket"]), bytes(r["payload"])) for r in frame.collect()]
        sink_batch(rows, batch_id, sink)

    writer = (
        scored.writeStream.outputMode("update")
        .option("checkpointLocation", str(options.checkpoint))
        .foreachBatch(write)
    )
    if options.available_now:
        writer = writer.trigger(availableNow=True)
    else:
        writer = writer.trigger(processingTime=f"{options.trigger_seconds} seconds")
    return writer.start()
