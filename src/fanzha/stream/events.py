"""Stream events: one stored-form event (the columns the event store keeps) with its kind.

An event is a plain ``dict`` with ``kind`` (``calls``, ``sms``, ``url_visits``, ``app_events``,
``transfers`` or ``leads``), the kind's stored columns (phone keys as integers, naive local
times) and, from the intake, ``source_id`` (the sender's id for idempotent resend) and
``offset`` (its position in the stream).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fanzha.core.schemas import STORED_COLUMNS

Event = dict[str, Any]

STREAM_KINDS = ("leads", "sms", "calls", "url_visits", "app_events", "transfers")
TIME_COLUMN = {
    "calls": "start",
    "sms": "time",
    "url_visits": "time",
    "app_events": "time",
    "transfers": "time",
    "leads": "time",
}
# Within one second, contacts come before what they may lead to (installs, payments), as the
# batch's ``a.t <= b.t`` joins see them; SMS come before the visits to their links.
_KIND_ORDER = {kind: n for n, kind in enumerate(STREAM_KINDS)}


def event_time(event: Event) -> dt.datetime:
    """When the event happened."""
    value: dt.datetime = event[TIME_COLUMN[event["kind"]]]
    return value


def order_key(event: Event) -> tuple[dt.datetime, int, float]:
    """Event-time order, contacts first within a second, small amounts first (batch order)."""
    amount = event.get("amount") if event["kind"] == "transfers" else None
    return (event_time(event), _KIND_ORDER[event["kind"]], float(amount or 0.0))


def stored_columns(kind: str) -> tuple[str, ...]:
    """The stored columns of an event kind."""
    return tuple(name for name, _ in STORED_COLUMNS[kind])


def to_wire(event: Event) -> dict[str, Any]:
    """A JSON-safe form of a stored event (times as ISO text)."""
    return {
        k: (v.isoformat(sep=" ") if isinstance(v, dt.datetime) else v) for k, v in event.items()
    }


def from_wire(data: dict[str, Any]) -> Event:
    """The stored event back from :func:`to_wire` (times parsed again)."""
    event = dict(data)
    kind = event["kind"]
    for name, typ in STORED_COLUMNS[kind]:
        value = event.get(name)
        if typ == "TIMESTAMP" and isinstance(value, str):
            event[name] = dt.datetime.fromisoformat(value)
    return event
