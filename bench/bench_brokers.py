"""Redis Streams against NATS JetStream, as the stream uses them, on this machine.

Both brokers from Debian's packages, started here on free ports with persistence on (Redis
append-only file with fsync every second; JetStream file storage). For each: events/s of
appending 100k events (~300 B of JSON each, encoded inside the timing) in entries of 250
events — Redis with the intake's Lua script (a dedupe key per event), JetStream with one
``Nats-Msg-Id`` per entry, and JetStream with one message per event (``Nats-Msg-Id`` = source
id: the per-event dedupe intake needs) — of reading them back, and the p50/p99 latency of one
small entry from append to a reader.

    python bench/bench_brokers.py [--events 100000] [--json F]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from fanzha.stream.broker import START, EventQueue
from fanzha.stream.redis_server import free_port, start_redis

ENTRY = 250


def sample(n: int) -> dict[str, Any]:
    return {
        "kind": "calls", "caller": 8613800000000 + n, "callee": 8613900000000 + n % 977,
        "start": dt.datetime(2026, 11, 1, 8, 0, 0) + dt.timedelta(seconds=n // 50),
        "duration_s": 30 + n % 600, "imei": f"8600000{n % 5000:08d}", "cell": "46000-1234",
        "source_id": f"bench:{n}",
    }  # fmt: skip


def bench_redis(events: list[dict[str, Any]], root: Path) -> dict[str, float]:
    port = free_port()
    server = start_redis(root / "redis", port, durable=True)
    try:
        queue = EventQueue(f"redis://127.0.0.1:{port}/0", "bench", max_pending=10**9)
        start = time.perf_counter()
        for i in range(0, len(events), ENTRY):
            queue.append(events[i : i + ENTRY])
        append_s = time.perf_counter() - start
        start, after, got = time.perf_counter(), START, 0
        while batch := queue.read(after, 8):
            got += len(batch)
            after = batch[-1]["offset"]
        read_s = time.perf_counter() - start
        latencies = []
        for n in range(200):
            t0 = time.perf_counter()
            queue.append([sample(10**7 + n)])
            queue.read(after, 1, 1000)
            latencies.append(time.perf_counter() - t0)
            after = queue.last_id()
        assert got == len(events)
        return _figures(len(events), append_s, read_s, latencies)
    finally:
        server.terminate()
        server.wait()


def _figures(n: int, append_s: float, read_s: float, lat: list[float]) -> dict[str, float]:
    lat.sort()
    return {
        "append_events_per_s": round(n / append_s),
        "read_events_per_s": round(n / read_s),
        "p50_ms": round(statistics.median(lat) * 1000, 2),
        "p99_ms": round(lat[int(len(lat) * 0.99) - 1] * 1000, 2),
    }


async def _nats(events: list[dict[str, Any]], port: int) -> dict[str, float]:
    import nats

    nc = await nats.connect(f"nats://127.0.0.1:{port}")
    js = nc.jetstream()
    await js.add_stream(name="bench", subjects=["events"])
    start = time.perf_counter()
    for i in range(0, len(events), ENTRY):
        data = json.dumps([_wire(e) for e in events[i : i + ENTRY]]).encode()
        await js.publish("events", data, headers={"Nats-Msg-Id": f"entry-{i}"})
    append_s = time.perf_counter() - start
    per_event = await _per_event(js, events[: len(events) // 5])
    sub = await js.pull_subscribe("events", durable="reader")
    start, got = time.perf_counter(), 0
    while got < len(events):
        for msg in await sub.fetch(8, timeout=5):
            got += len(json.loads(msg.data))
            await msg.ack()
    read_s = time.perf_counter() - start
    latencies = []
    for n in range(200):
        t0 = time.perf_counter()
        await js.publish("events", json.dumps([_wire(sample(n))]).encode(),
                         headers={"Nats-Msg-Id": f"one-{n}"})  # fmt: skip
        for msg in await sub.fetch(1, timeout=5):
            await msg.ack()
        latencies.append(time.perf_counter() - t0)
    await nc.close()
    return _figures(len(events), append_s, read_s, latencies) | per_event


async def _per_event(js: Any, events: list[dict[str, Any]]) -> dict[str, float]:
    """One message per event with its source id as ``Nats-Msg-Id`` (per-event dedupe, as
    intake needs), 500 publishes in flight at a time."""
    await js.add_stream(name="single", subjects=["single"])
    start = time.perf_counter()
    for i in range(0, len(events), 500):
        await asyncio.gather(
            *(js.publish("single", json.dumps(_wire(e)).encode(),
                         headers={"Nats-Msg-Id": e["source_id"]})
              for e in events[i : i + 500])
        )  # fmt: skip
    return {
        "append_per_event_msgid_events_per_s": round(len(events) / (time.perf_counter() - start))
    }


def _wire(e: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat(sep=" ") if isinstance(v, dt.datetime) else v) for k, v in e.items()}


def bench_nats(events: list[dict[str, Any]], root: Path) -> dict[str, float] | None:
    binary = shutil.which("nats-server")
    if binary is None:
        return None
    port = free_port()
    store = root / "nats"
    server = subprocess.Popen(
        [binary, "-js", "-sd", str(store), "-a", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        time.sleep(1.0)
        return asyncio.run(_nats(events, port))
    finally:
        server.terminate()
        server.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    events = [sample(n) for n in range(args.events)]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        result = {
            "events": args.events,
            "redis_streams": bench_redis(events, root),
            "nats_jetstream": bench_nats(events, root),
            "load_1min": os.getloadavg()[0],
            "run": uuid.uuid4().hex[:8],
        }
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
