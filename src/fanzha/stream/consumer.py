"""The consumer: read the stream, score, and commit warnings with the offset, exactly once.

Each micro-batch ends in one workflow-store transaction holding the warnings its events
created or raised (``take_in``, then the desk's routing), the levels they first reached and
the new committed offset. Every ``snapshot_seconds`` the same transaction also stores a
snapshot of the scoring state at that offset. After a crash the consumer loads the snapshot,
re-scores the events between it and the committed offset *without writing* (scoring is
deterministic, so the state comes back exactly), and goes on from the committed offset: no
event's effect is lost or written twice. The broker is trimmed only up to the snapshot.
"""

from __future__ import annotations

import datetime as dt
import logging
import pickle
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from fanzha.errors import StreamError
from fanzha.store.database import transaction
from fanzha.stream.broker import START, EventQueue
from fanzha.stream.events import Event
from fanzha.stream.scorer import StreamScorer, StreamState
from fanzha.workflow.stream import service as checkpoints
from fanzha.workflow.warning.from_detection import take_in
from fanzha.workflow.warning.routing import DeskConfig, route_new

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ConsumerConfig:
    """How the consumer batches, snapshots and waits."""

    name: str = "default"
    batch: int = 2000  # events, read as entries of about ``entry_events`` each
    entry_events: int = 250
    snapshot_seconds: float = 30.0
    block_ms: int = 50


def dump_state(state: StreamState) -> bytes:
    """The scoring state as a compressed pickle (it is the process's own data)."""
    return zlib.compress(pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL), 1)


def load_state(blob: bytes) -> StreamState:
    """A state written by :func:`dump_state` (from the workflow store, never from input)."""
    state = pickle.loads(zlib.decompress(blob))
    if not isinstance(state, StreamState):
        raise StreamError("the checkpoint does not hold a stream state")
    return state


class StreamConsumer:
    """One consumer of one stream, writing to the workflow store."""

    def __init__(
        self,
        *,
        queue: EventQueue,
        factory: sessionmaker[Session],
        scorer: StreamScorer,
        config: ConsumerConfig,
        clock: Callable[[], dt.datetime],
        desk: DeskConfig | None = None,
    ) -> None:
        self.queue = queue
        self.factory = factory
        self.scorer = scorer
        self.config = config
        self.clock = clock
        self.desk = desk
        self.offset = START
        self._last_snapshot = time.monotonic()
        # called after each commit with the batch's events (metrics, benchmarks)
        self.on_commit: Callable[[list[Event]], None] | None = None

    @property
    def _entries(self) -> int:
        return max(1, self.config.batch // self.config.entry_events)

    @property
    def rules_version(self) -> str:
        """The rules the state was built with."""
        return self.scorer.rules.full_version

    def start(self) -> None:
        """Restore the checkpointed state and catch up to the committed offset."""
        with self.factory() as session:
            row = checkpoints.get(session=session, name=self.config.name)
            if row is None:
                return
            if row.rules_version != self.rules_version:
                raise StreamError(
                    "the checkpoint was made with other rules; reset the consumer to re-score",
                    checkpoint=row.rules_version,
                    rules=self.rules_version,
                )
            offset, events = row.offset, row.events
            snapshot, snapshot_offset = row.snapshot, row.snapshot_offset or START
        if snapshot is not None:
            self.scorer.restore(load_state(snapshot))
        self._catch_up(snapshot_offset, offset)
        if self.scorer.state.events != events:
            raise StreamError("the stream lost events behind the checkpoint", offset=offset)
        self.offset = offset

    def _catch_up(self, after: str, upto: str) -> None:
        replayed = 0
        while events := self.queue.range(after, upto, self._entries):
            self.scorer.feed(events)
            after = events[-1]["offset"]
            replayed += len(events)
        log.info("stream consumer re-scored %d events since its snapshot", replayed)

    def step(self) -> int:
        """Read, score and commit one micro-batch; how many events it held."""
        events = self.queue.read(self.offset, self._entries, self.config.block_ms)
        if not events:
            return 0
        warnings = self.scorer.feed(events)
        offset = events[-1]["offset"]
        snapshot = self._snapshot_due()
        now = self.clock()
        with transaction(self.factory) as session:
            take_in(
                session,
                warnings,
                rules_version=self.rules_version,
                engine="stream",
                episode_gap=self.scorer.episode_gap,
            )
            checkpoints.record_raises(session=session, raises=self.scorer.raised, now=now)
            if self.desk is not None:
                route_new(session=session, config=self.desk, now=now)
            checkpoints.advance(
                session=session,
                name=self.config.name,
                offset=offset,
                events=self.scorer.state.events,
                rules_version=self.rules_version,
                now=now,
                snapshot=dump_state(self.scorer.state) if snapshot else None,
            )
        self.offset = offset
        self.queue.consumed(self.scorer.state.events)
        if snapshot:
            self.queue.trim(offset)
        if self.on_commit is not None:
            self.on_commit(events)
        return len(events)

    def _snapshot_due(self) -> bool:
        if time.monotonic() - self._last_snapshot < self.config.snapshot_seconds:
            return False
        self._last_snapshot = time.monotonic()
        return True

    def run(self, stop: Callable[[], bool]) -> int:
        """Consume until ``stop()`` is true; how many events were consumed."""
        total = 0
        while not stop():
            total += self.step()
        return total
