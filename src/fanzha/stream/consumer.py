"""The consumer: read the stream, score, and commit warnings with the offset, exactly once.

Each micro-batch ends in one workflow-store transaction holding the warnings its events
created or raised (``take_in``, then the desk's routing), the levels they first reached and
the new committed offset. Every ``snapshot_seconds`` the same transaction also stores a
snapshot of the scoring state at that offset. After a crash the consumer loads the snapshot,
re-scores the events between it and the committed offset *without writing* (scoring is
deterministic, so the state comes back exactly), and goes on from the committed offset: no
event's effect is lost or written twice. The broker is trimmed only up to the snapshot.

Lookups (blacklists, residents, profiles) are rebuilt every ``refresh_seconds`` in a
background thread (:mod:`fanzha.stream.refresh`) and swapped in between micro-batches. The
first commit after a swap always carries a snapshot and the new lookups (their content digest
and a compressed pickle), so the events between the snapshot and the committed offset were
all scored with the lookups recorded beside them: a restart re-scores them with exactly those,
then swaps in what the store holds now — a catch-up never spans a swap.
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
from fanzha.stream.lookups import Lookups, lookups_changes, lookups_digest
from fanzha.stream.refresh import LookupsRefresher, Refreshed
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
    refresh_seconds: float = 0.0  # rebuild the lookups this often; 0 = never


def dump_state(state: StreamState) -> bytes:
    """The scoring state as a compressed pickle (it is the process's own data)."""
    return zlib.compress(pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL), 1)


def load_state(blob: bytes) -> StreamState:
    """A state written by :func:`dump_state` (from the workflow store, never from input)."""
    state = pickle.loads(zlib.decompress(blob))
    if not isinstance(state, StreamState):
        raise StreamError("the checkpoint does not hold a stream state")
    return state


def dump_lookups(lookups: Lookups) -> bytes:
    """Lookups as a compressed pickle (recorded in the checkpoint with each swap)."""
    return zlib.compress(pickle.dumps(lookups, protocol=pickle.HIGHEST_PROTOCOL), 1)


def load_lookups(blob: bytes) -> Lookups:
    """Lookups written by :func:`dump_lookups` (from the workflow store, never from input)."""
    lookups = pickle.loads(zlib.decompress(blob))
    if not isinstance(lookups, Lookups):
        raise StreamError("the checkpoint does not hold stream lookups")
    return lookups


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
        rebuild: Callable[[], Lookups] | None = None,
    ) -> None:
        """``rebuild``: fresh lookups from the event store (run in a background thread every
        ``config.refresh_seconds``; without it, or with 0, the lookups never change)."""
        self.queue = queue
        self.factory = factory
        self.scorer = scorer
        self.config = config
        self.clock = clock
        self.desk = desk
        self.offset = START
        self._last_snapshot = time.monotonic()
        self.lookups_version = lookups_digest(scorer.lookups)
        self._recorded_version: str | None = None  # the lookups the checkpoint row holds
        self._pending: Refreshed | None = None  # to swap in at the next batch boundary
        self.refresher = (
            LookupsRefresher(rebuild, config.refresh_seconds)
            if rebuild is not None and config.refresh_seconds > 0
            else None
        )
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
            recorded = row.lookups_version
            held = row.lookups if recorded not in (None, self.lookups_version) else None
        if snapshot is not None:
            self.scorer.restore(load_state(snapshot))
        if recorded is not None and recorded != self.lookups_version:
            # the events since the snapshot were scored with the recorded lookups: re-score
            # with those, and swap in what the store holds now at the first batch boundary
            if held is None:
                raise StreamError("the checkpoint lacks its lookups", name=self.config.name)
            restored = load_lookups(held)
            now = self.scorer.lookups
            self._pending = Refreshed(now, self.lookups_version, lookups_changes(restored, now))
            self.scorer.use_lookups(restored)
            self.lookups_version = recorded
            log.info("stream consumer restored the lookups of its checkpoint for the catch-up")
        self._recorded_version = recorded
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
        self._refresh()
        events = self.queue.read(self.offset, self._entries, self.config.block_ms)
        if not events:
            return 0
        warnings = self.scorer.feed(events)
        offset = events[-1]["offset"]
        # lookups other than the row's: snapshot now, so no catch-up spans the swap
        record = self.lookups_version != self._recorded_version
        snapshot = self._snapshot_due() or record
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
                lookups_version=self.lookups_version if record else None,
                lookups=dump_lookups(self.scorer.lookups) if record else None,
            )
        self.offset = offset
        if record:
            self._recorded_version = self.lookups_version
        self.queue.consumed(self.scorer.state.events)
        if snapshot:
            self.queue.trim(offset)
        if self.on_commit is not None:
            self.on_commit(events)
        return len(events)

    def _refresh(self) -> None:
        """Between micro-batches: swap in lookups rebuilt since the last one, if any."""
        ready, self._pending = self._pending, None
        if ready is None and self.refresher is not None:
            ready = self.refresher.poll(self.scorer.lookups, self.lookups_version)
        if ready is None:
            return
        if ready.version == self.lookups_version:
            log.info("stream lookups rebuilt in %.1f s: unchanged", ready.seconds)
            return
        self.scorer.use_lookups(ready.lookups)
        self.lookups_version = ready.version
        tables = ", ".join(f"{name} {n}" for name, n in sorted(ready.changed.items()))
        log.info(
            "stream lookups refreshed in %.1f s: %d entries changed (%s); version %s",
            ready.seconds,
            sum(ready.changed.values()),
            tables,
            ready.version,
        )

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
