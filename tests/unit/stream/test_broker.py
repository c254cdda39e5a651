"""The Redis event stream: whole batches, idempotent resend, a bounded queue that never drops."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from fanzha.errors import QueueFullError
from fanzha.stream.broker import START, EventQueue
from fanzha.stream.events import Event


def call(n: int, source: str | None = "s") -> Event:
    return {
        "kind": "calls",
        "caller": 8613800000000 + n,
        "callee": 8613900000000,
        "start": dt.datetime(2026, 11, 1, 8, 0, n % 60),
        "duration_s": 30 + n,
        "imei": None,
        "cell": None,
        "source_id": f"{source}-{n}" if source is not None else None,
    }


def queue(url: str, max_pending: int = 100) -> EventQueue:
    return EventQueue(url, f"test:{uuid.uuid4().hex}", max_pending=max_pending, dedupe_seconds=60)


def test_event_queue_round_trips_events_in_order(redis_url: str) -> None:
    q = queue(redis_url)
    q.append([call(1), call(2)])
    q.append([call(3)])
    got = q.read(START, 10)
    assert [e["caller"] for e in got] == [8613800000001, 8613800000002, 8613800000003]
    assert got[0]["start"] == dt.datetime(2026, 11, 1, 8, 0, 1)
    assert got[0]["offset"] == got[1]["offset"] != got[2]["offset"]
    assert q.read(got[-1]["offset"], 10) == []
    assert q.range(START, got[0]["offset"], 10) == got[:2]


def test_event_queue_resend_is_acknowledged_as_duplicate(redis_url: str) -> None:
    q = queue(redis_url)
    first = q.append([call(1), call(2)])
    again = q.append([call(2), call(3)])
    assert all(a.stream_id for a in first)
    assert again[0].stream_id is None and again[1].stream_id is not None
    assert [e["caller"] % 100 for e in q.read(START, 10)] == [1, 2, 3]
    assert q.pending() == 3


def test_event_queue_full_refuses_the_whole_batch_and_keeps_the_rest(redis_url: str) -> None:
    q = queue(redis_url, max_pending=5)
    q.append([call(n) for n in range(4)])
    with pytest.raises(QueueFullError):
        q.append([call(n) for n in range(4, 8)])
    assert q.pending() == 4
    assert len(q.read(START, 10)) == 4
    q.consumed(4)  # the consumer caught up: room again, and the refused batch goes in whole
    assert all(a.stream_id for a in q.append([call(n) for n in range(4, 8)]))
    assert [e["caller"] % 100 for e in q.read(START, 10)] == list(range(8))


def test_event_queue_trim_keeps_entries_after_the_snapshot(redis_url: str) -> None:
    q = queue(redis_url)
    ids = [q.append([call(n)])[0].stream_id for n in range(3)]
    assert all(ids)
    q.trim(str(ids[1]))
    assert [e["offset"] for e in q.read(START, 10)] == ids[1:]
