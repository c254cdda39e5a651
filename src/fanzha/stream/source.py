"""Events in event-time order from an event store (what a replay feeds the stream)."""

from __future__ import annotations

import heapq
from collections.abc import Iterator

from fanzha.store.event_store import EventStore
from fanzha.stream.events import STREAM_KINDS, TIME_COLUMN, Event, order_key, stored_columns


def _kind_events(store: EventStore, kind: str, chunk: int) -> Iterator[Event]:
    con = store.connect(threads=1)
    try:
        columns = stored_columns(kind)
        names = ", ".join(f'"{c}"' for c in columns)
        order = TIME_COLUMN[kind] + (", amount" if kind == "transfers" else "")
        cursor = con.execute(f"SELECT {names} FROM {kind} ORDER BY {order}")  # noqa: S608
        while rows := cursor.fetchmany(chunk):
            for row in rows:
                event = dict(zip(columns, row, strict=True))
                event["kind"] = kind
                yield event
    finally:
        con.close()


def store_events(store: EventStore, chunk: int = 5000) -> Iterator[Event]:
    """Every event of the store, merged across kinds in event-time order."""
    streams = [_kind_events(store, kind, chunk) for kind in STREAM_KINDS]
    yield from heapq.merge(*streams, key=order_key)


def batches_by_second(events: Iterator[Event], size: int) -> Iterator[list[Event]]:
    """Micro-batches of about ``size`` events, never splitting one second across two."""
    batch: list[Event] = []
    for event in events:
        if len(batch) >= size and order_key(event)[0] != order_key(batch[-1])[0]:
            yield batch
            batch = []
        batch.append(event)
    if batch:
        yield batch
