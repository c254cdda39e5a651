"""Real-time detection through the broker: throughput, event→warning latency, state memory.

One run on a simulated city (default 8,000 residents, 2 days; ``--residents``/``--days``):

1. the batch engine (``fanzha detect``'s pipeline) over the city: events/s, the baseline;
2. throughput: every event appended to Redis by a publisher process as fast as the queue
   allows while the consumer (this process) scores and commits: events/s end to end, and the
   warnings compared with the batch's;
3. latency at the 800k city's peak rate (the busiest hour of the simulated city scaled to
   800k residents) and at 10×: events stamped when appended, latency = commit of their
   micro-batch − append, for all events and for the events that raised a warning's level;
4. memory of the scoring state (tracemalloc, pure scorer, no broker) after each day, per
   resident and projected to 800k residents.

    python bench/bench_stream.py [--residents 8000] [--days 2] [--json F]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import pickle
import statistics
import tempfile
import time
import tracemalloc
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

from fanzha.detection.keyword_scorer import KeywordScorer
from fanzha.detection.pipeline import run_detection
from fanzha.detection.rules import load_rules
from fanzha.ingest import ingest_directory
from fanzha.settings import Settings
from fanzha.sim import SimConfig, simulate
from fanzha.store.event_store import EventStore
from fanzha.stream.events import event_time
from fanzha.stream.lookups import build_lookups
from fanzha.stream.redis_server import free_port, start_redis
from fanzha.stream.runtime import keyed, make_consumer, make_queue
from fanzha.stream.scorer import StreamScorer
from fanzha.stream.source import store_events

CITY = 800_000


def settings_for(root: Path, url: str, tag: str) -> Settings:
    return Settings(
        data_dir=root / "data",
        database_url=f"sqlite:///{root / f'{tag}.db'}",
        stream_redis_url=url,
        stream_name=f"bench:{tag}:{uuid.uuid4().hex[:6]}",
        stream_queue_max=10_000_000,
    )


def publisher(settings: Settings, rate: float | None, seconds: float | None) -> None:
    """Append the store's events in event order, stamped at append, paced at ``rate``/s."""
    queue = make_queue(settings)
    events = keyed(store_events(EventStore(settings.data_dir)))
    chunk = max(1, int(rate / 100)) if rate else 250  # ~10 ms of events per append
    start, sent = time.monotonic(), 0
    while True:
        batch = [e for _, e in zip(range(chunk), events, strict=False)]
        if not batch or (seconds and time.monotonic() - start > seconds):
            return
        stamp = time.time()
        for e in batch:
            e["sent_at"] = stamp
        queue.append(batch)
        sent += len(batch)
        if rate:
            ahead = sent / rate - (time.monotonic() - start)
            if ahead > 0:
                time.sleep(ahead)


def run_consumer(
    settings: Settings, store: EventStore, rate: float | None, seconds: float | None
) -> dict[str, Any]:
    consumer = make_consumer(settings, name="bench", lookups_from=store)
    all_lat: list[float] = []
    raised_lat: list[float] = []

    def record(events: list[dict[str, Any]]) -> None:
        now = time.time()
        sent = {}
        for e in events:
            all_lat.append(now - e["sent_at"])
            sent.setdefault(e["offset"], e["sent_at"])
        # each level first reached: from the append of the entry holding its event
        raised_lat.extend(now - sent[r.offset] for r in consumer.scorer.raised if r.offset in sent)

    consumer.on_commit = record
    process = mp.get_context("spawn").Process(target=publisher, args=(settings, rate, seconds))
    process.start()
    first: float | None = None
    while process.is_alive() or consumer.queue.pending() > 0:
        if consumer.step() and first is None:
            first = time.monotonic()
    elapsed = time.monotonic() - (first or time.monotonic())
    return {
        "events": consumer.scorer.state.events,
        "seconds": round(elapsed, 2),
        "events_per_s": round(consumer.scorer.state.events / elapsed) if elapsed else None,
        "latency_ms": _percentiles(all_lat),
        "warning_latency_ms": _percentiles(raised_lat),
        "levels_raised": len(raised_lat),
        "consumer": consumer,
    }


def _percentiles(values: list[float]) -> dict[str, float] | None:
    if not values:
        return None
    values.sort()
    return {
        "p50": round(statistics.median(values) * 1000, 1),
        "p99": round(values[max(0, int(len(values) * 0.99) - 1)] * 1000, 1),
        "max": round(values[-1] * 1000, 1),
        "n": len(values),
    }


def peak_rate(store: EventStore, residents: int) -> float:
    hours = Counter(event_time(e).replace(minute=0, second=0) for e in store_events(store))
    return max(hours.values()) / 3600 * CITY / residents


def state_memory(store: EventStore, residents: int) -> dict[str, Any]:
    rules = load_rules()
    scorer = StreamScorer(rules, build_lookups(store, rules), KeywordScorer())
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    days: dict[str, float] = {}
    pickled: dict[str, float] = {}
    day = None
    for event in store_events(store):
        this = event_time(event).date()
        if day is not None and this != day:
            days[str(day)] = (tracemalloc.get_traced_memory()[0] - base) / 2**20
            pickled[str(day)] = len(pickle.dumps(scorer.state)) / 2**20
        day = this
        scorer.feed([event])
    days[str(day)] = (tracemalloc.get_traced_memory()[0] - base) / 2**20
    tracemalloc.stop()
    pickled[str(day)] = len(pickle.dumps(scorer.state)) / 2**20
    last = max(days.values())
    return {
        "traced_mib_after_day": {k: round(v, 1) for k, v in days.items()},
        "pickled_state_mib_after_day": {k: round(v, 2) for k, v in pickled.items()},
        "residents_with_state": len(scorer.state.residents),
        "bytes_per_registered_resident": round(last * 2**20 / residents),
        "projected_800k_mib": round(last * CITY / residents),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, default=8000)
    parser.add_argument("--days", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=15.0, help="length of each latency run")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    result: dict[str, Any] = {"residents": args.residents, "days": args.days}
    result["load_start"] = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        simulate(SimConfig(residents=args.residents, days=args.days, seed=3), root / "sim")
        store = EventStore(root / "data")
        ingest_directory(root / "sim", store, pseudonym_key="bench")
        result |= run_all(root, store, args)
    result["load_end"] = os.getloadavg()
    print(json.dumps(result, indent=2, default=str))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, default=str))


def run_all(root: Path, store: EventStore, args: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {}
    n_events = sum(1 for _ in store_events(store))
    start = time.perf_counter()
    batch = run_detection(store, load_rules(), KeywordScorer())
    batch_s = time.perf_counter() - start
    out["events"] = n_events
    out["batch"] = {"seconds": round(batch_s, 2), "events_per_s": round(n_events / batch_s)}
    out["batch"]["warnings"] = len(batch.warnings)
    port = free_port()
    server = start_redis(root / "redis", port, durable=True)
    url = f"redis://127.0.0.1:{port}/0"
    try:
        top = run_consumer(settings_for(root, url, "max"), store, None, None)
        out["throughput"] = _public(top)
        out["throughput"]["warnings"] = _warnings(top)
        out["ratio_stream_to_batch"] = round(top["events_per_s"] / out["batch"]["events_per_s"], 3)
        peak = peak_rate(store, args.residents)
        out["peak_rate_800k_events_per_s"] = round(peak)
        for name, rate in (("at_peak", peak), ("at_10x_peak", 10 * peak)):
            run = run_consumer(settings_for(root, url, name), store, rate, args.seconds)
            out[name] = _public(run) | {"rate": round(rate)}
    finally:
        server.terminate()
        server.wait()
    out["memory"] = state_memory(store, args.residents)
    return out


def _public(run: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in run.items() if k != "consumer"}


def _warnings(run: dict[str, Any]) -> int:
    from sqlalchemy import func, select

    from fanzha.workflow.warning.models import EarlyWarning

    with run["consumer"].factory() as session:
        return int(session.scalar(select(func.count()).select_from(EarlyWarning)) or 0)


if __name__ == "__main__":
    main()
