"""The event stream on Redis Streams: bounded, idempotent intake; offset-addressed reads.

Intake appends a batch in one Lua script, so a batch is queued whole or not at all: each event
whose ``source_id`` was seen within the dedupe window is answered ``duplicate`` and not
queued again; when the events accepted but not yet consumed would exceed ``max_pending`` the
whole batch is refused (:class:`QueueFullError`, HTTP 503) — nothing is ever trimmed unread.
The consumer reads by stream id (its checkpointed offset), reports how far it has consumed,
and trims only what its last snapshot no longer needs.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import redis

from fanzha.errors import QueueFullError, StreamError
from fanzha.stream.events import Event, from_wire, to_wire

START = "0-0"

# KEYS: stream, added counter, done counter; ARGV: max pending, ttl seconds, then per event a
# source key ("" = none) and its JSON. New events go into one entry (a JSON array); returns -1
# when the queue is full, else {entry id or "", one flag per event (1 = queued, 0 = seen)}.
_APPEND = """
local added = tonumber(redis.call('GET', KEYS[2]) or '0')
local pending = added - tonumber(redis.call('GET', KEYS[3]) or '0')
local n = (#ARGV - 2) / 2
if pending + n > tonumber(ARGV[1]) then return -1 end
local flags, fresh = {}, {}
for i = 1, n do
  local key = ARGV[1 + 2 * i]
  if key == '' or redis.call('SET', key, '1', 'NX', 'EX', tonumber(ARGV[2])) then
    flags[i] = 1
    fresh[#fresh + 1] = ARGV[2 + 2 * i]
  else
    flags[i] = 0
  end
end
if #fresh == 0 then return {'', flags} end
local payload = '[' .. table.concat(fresh, ',') .. ']'
local id = redis.call('XADD', KEYS[1], '*', 'n', #fresh, 'e', payload)
redis.call('INCRBY', KEYS[2], #fresh)
return {id, flags}
"""


@dataclass(frozen=True)
class Appended:
    """What intake did with one event: its stream id, or ``None`` for a duplicate."""

    source_id: str | None
    stream_id: str | None


def id_after(stream_id: str) -> tuple[int, int]:
    """A stream id as a comparable pair."""
    ms, _, seq = stream_id.partition("-")
    return int(ms), int(seq or 0)


class EventQueue:
    """One Redis stream of events, with its counters and dedupe keys."""

    def __init__(
        self, url: str, name: str, *, max_pending: int = 200_000, dedupe_seconds: int = 3600
    ) -> None:
        self.client: Any = redis.Redis.from_url(url)  # its reply types are too loose to help
        self.name = name
        self.max_pending = max_pending
        self.dedupe_seconds = dedupe_seconds
        self._append = self.client.register_script(_APPEND)

    def append(self, events: Sequence[Event]) -> list[Appended]:
        """Queue a batch whole (duplicates skipped) or refuse it when the queue is full."""
        args: list[Any] = [self.max_pending, self.dedupe_seconds]
        for event in events:
            source = event.get("source_id")
            key = f"{self.name}:src:{source}" if source is not None else ""
            args += [key, json.dumps(to_wire(event), ensure_ascii=False, separators=(",", ":"))]
        keys = [self.name, f"{self.name}:added", f"{self.name}:done"]
        try:
            result = self._append(keys=keys, args=args)
        except redis.RedisError as exc:
            raise StreamError(f"cannot queue events: {exc}") from exc
        if result == -1:
            raise QueueFullError("event queue is full", pending=self.pending())
        entry, flags = result[0].decode(), result[1]
        return [
            Appended(e.get("source_id"), entry if flag else None)
            for e, flag in zip(events, flags, strict=True)
        ]

    def read(self, after: str, count: int, block_ms: int | None = None) -> list[Event]:
        """The events of up to ``count`` entries after entry ``after`` (waiting ``block_ms``)."""
        reply = self.client.xread({self.name: after}, count=count, block=block_ms)
        if not reply:
            return []
        return _events(reply[0][1])

    def range(self, after: str, upto: str, count: int) -> list[Event]:
        """The events of up to ``count`` entries with ``after < id <= upto``."""
        if id_after(after) >= id_after(upto):
            return []
        return _events(self.client.xrange(self.name, min=f"({after}", max=upto, count=count))

    def consumed(self, total: int) -> None:
        """The consumer has taken ``total`` events since the stream began."""
        self.client.set(f"{self.name}:done", total)

    def trim(self, before: str) -> None:
        """Drop the entries older than ``before`` (already in a snapshot)."""
        self.client.xtrim(self.name, minid=before, approximate=False)

    def pending(self) -> int:
        """Events accepted and not yet consumed."""
        added, done = self.client.mget(f"{self.name}:added", f"{self.name}:done")
        return int(added or 0) - int(done or 0)

    def last_id(self) -> str:
        """The id of the newest entry (``0-0`` when the stream is empty)."""
        rows = self.client.xrevrange(self.name, count=1)
        return rows[0][0].decode() if rows else START


def _events(entries: list[tuple[bytes, dict[bytes, bytes]]]) -> list[Event]:
    """Each entry's events, with ``offset`` = the entry id (the unit of commit)."""
    found: list[Event] = []
    for stream_id, fields in entries:
        entry = stream_id.decode()
        for data in json.loads(fields[b"e"]):
            event = from_wire(data)
            event["offset"] = entry
            found.append(event)
    return found
