"""Spark Structured Streaming scoring: throughput per core against the in-process scorer.

One run on a simulated city (default 8,000 residents, 2 days, seed 3; ``--residents``,
``--days``), written as JSON-lines event files of ``--events-per-file`` events each:

1. baseline: the same scoring (``StreamScorer``) fed in-process, one micro-batch per file;
2. the Spark job (local mode, ``--cores``), every file one micro-batch, from query start to
   the last commit; Spark's own start is reported apart;
3. the ratio, events/s per core of each, and whether both gave the same warnings.

    python bench/bench_spark_stream.py [--residents 8000] [--days 2] [--cores 2] [--json F]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import select

from fanzha.detection.engines import local_spark
from fanzha.detection.keyword_scorer import KeywordScorer
from fanzha.detection.pipeline import DetectedWarning
from fanzha.detection.rules import load_rules
from fanzha.ingest import ingest_directory
from fanzha.sim import SimConfig, simulate
from fanzha.store.database import make_engine, session_factory, upgrade
from fanzha.store.event_store import EventStore
from fanzha.stream import spark as spark_stream
from fanzha.stream.events import from_wire
from fanzha.stream.lookups import build_lookups
from fanzha.stream.scorer import StreamScorer
from fanzha.workflow.stream import service as checkpoints
from fanzha.workflow.warning.models import EarlyWarning


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, default=8000)
    parser.add_argument("--days", type=int, default=2)
    parser.add_argument("--events-per-file", type=int, default=50_000)
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--buckets", type=int, nargs="+", default=[1024])
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    result: dict[str, Any] = {"residents": args.residents, "days": args.days, "cores": args.cores}
    result["load_start"] = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        simulate(SimConfig(residents=args.residents, days=args.days, seed=3), root / "sim")
        store = EventStore(root / "data")
        ingest_directory(root / "sim", store, pseudonym_key="bench")
        files = spark_stream.write_event_files(store, root / "source", args.events_per_file)
        result["files"] = len(files)
        result |= run_both(root, store, files, args.cores, args.buckets)
    result["load_end"] = os.getloadavg()
    print(json.dumps(result, indent=2, default=str))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, default=str))


def run_both(
    root: Path, store: EventStore, files: list[Path], cores: int, buckets: list[int]
) -> dict[str, Any]:
    rules = load_rules()
    lookups = build_lookups(store, rules)
    out: dict[str, Any] = {}
    scorer = StreamScorer(rules, lookups, KeywordScorer())
    latest: dict[tuple[str, Any], DetectedWarning] = {}
    events = 0
    start = time.perf_counter()
    for path in files:
        batch = [from_wire(json.loads(line)) for line in path.read_text().splitlines()]
        events += len(batch)
        for w in scorer.feed(batch):
            latest[(w.resident_id, w.episode_start)] = w
    seconds = time.perf_counter() - start
    out["events"] = events
    out["in_process"] = {"seconds": round(seconds, 2), "events_per_s": round(events / seconds)}
    mine = sorted((w.resident_id, w.episode_start, w.level) for w in latest.values())
    for n in buckets:
        run = run_spark(root / f"b{n}", root / "source", rules, lookups, (cores, n))
        one: dict[str, Any] = {k: v for k, v in run.items() if k != "warnings"}
        one["events_per_s"] = round(events / run["seconds"])
        one["events_per_s_per_core"] = round(events / run["seconds"] / cores)
        one["ratio_to_in_process"] = round(out["in_process"]["seconds"] / run["seconds"], 3)
        one["same_warnings"] = mine == run["warnings"]
        out[f"spark_buckets_{n}"] = one
    out["warnings"] = len(mine)
    return out


def run_spark(
    root: Path, source: Path, rules: Any, lookups: Any, shape: tuple[int, int]
) -> dict[str, Any]:
    cores, buckets = shape
    root.mkdir()
    url = f"sqlite:///{root / 'workflow.db'}"
    upgrade(url)
    factory = session_factory(make_engine(url))
    sink = spark_stream.SinkConfig(
        factory,
        "spark:bench",
        rules.full_version,
        dt.timedelta(hours=rules.scoring.episode_gap_hours),
        dt.datetime.now,
    )
    spark_stream.use_this_python()
    start = time.perf_counter()
    spark = local_spark("fanzha-bench", cores=cores)
    started = time.perf_counter() - start
    scoring = spark_stream.SparkScoring(rules, lookups, KeywordScorer())
    options = spark_stream.JobOptions(source, root / "checkpoint", buckets=buckets)
    start = time.perf_counter()
    spark_stream.start_job(spark, scoring, sink, options).awaitTermination()
    seconds = time.perf_counter() - start
    spark.stop()
    with factory() as session:
        rows = session.scalars(select(EarlyWarning)).all()
        warnings = sorted((w.resident_id, w.episode_start, w.level) for w in rows)
        checkpoint = checkpoints.get(session=session, name="spark:bench")
        resident_events = checkpoint.events if checkpoint is not None else 0
    return {
        "spark_start_seconds": round(started, 2),
        "seconds": round(seconds, 2),
        "resident_events": resident_events,
        "warnings": warnings,
    }


if __name__ == "__main__":
    main()
