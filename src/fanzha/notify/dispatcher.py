"""The dispatcher: claim due outbox rows, send them with rate limits, record results, receipts.

One pass over every channel (:meth:`Dispatcher.run_once`): claim up to ``batch_size`` due rows
(as many as the rate limit allows), commit; send the batch; record the results, commit; then
poll receipts, store the matched ones, commit, and only then acknowledge them to the provider.
A crash between any two steps loses nothing: see :mod:`fanzha.notify.outbox`.

A row with a ``not_before`` later than the dispatcher's clock is not claimed; it is *waiting*
(:meth:`Dispatcher.waiting`), not outstanding, so a run until idle does not wait for it. Before
each pass an optional ``prune`` hook (the caller's rule: notify does not know warnings) names
queued rows no longer wanted; they are cancelled (audited) before they could be claimed.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from fanzha.notify import outbox
from fanzha.notify.channel import FINAL_STATUSES, OutboundChannel, Outgoing
from fanzha.notify.models import BroadcastGroup, OutboxRow
from fanzha.notify.outbox import Claimed
from fanzha.notify.ratelimit import RateLimiter
from fanzha.notify.receipts import apply_receipts
from fanzha.store.database import transaction

logger = logging.getLogger(__name__)

# queued rows the caller no longer wants (ids), given a session and the dispatcher's now
PruneHook = Callable[[Session, dt.datetime], Sequence[int]]
# not outstanding: final, or given up on
SETTLED = FINAL_STATUSES | {"unknown", "cancelled"}


@dataclass
class DispatchCounts:
    """What one or more passes did."""

    sent: int = 0
    retry: int = 0
    failed: int = 0
    held: int = 0  # held back by a per-robot rate limit
    receipts: int = 0
    cancelled: int = 0  # queued rows the prune hook dropped

    def add(self, other: Mapping[str, int]) -> None:
        """Add counts from :func:`outbox.record`."""
        for key, value in other.items():
            setattr(self, key, getattr(self, key) + value)


@dataclass
class Dispatcher:
    """Sends the outbox through ``channels`` (name → channel) with ``limiters`` per channel."""

    factory: sessionmaker[Session]
    channels: Mapping[str, OutboundChannel]
    limiters: Mapping[str, RateLimiter] = field(default_factory=dict)
    audit: outbox.AuditHook = outbox.no_audit
    batch_size: int = 500
    lease: dt.timedelta = dt.timedelta(seconds=60)
    policy: outbox.RetryPolicy = field(default_factory=outbox.RetryPolicy)
    clock: Callable[[], dt.datetime] = outbox.utcnow
    prune: PruneHook | None = None

    def run_once(self) -> DispatchCounts:
        """One pass over every channel."""
        counts = DispatchCounts()
        if self.prune is not None:
            with transaction(self.factory) as session:
                now = self.clock()
                ids = self.prune(session, now)
                if ids:
                    counts.cancelled += outbox.cancel(
                        session, ids, now, "no longer wanted", self.audit
                    )
        for name, channel in self.channels.items():
            self._send(name, channel, counts)
            counts.receipts += self._receipts(name, channel)
        return counts

    def _send(self, name: str, channel: OutboundChannel, counts: DispatchCounts) -> None:
        limiter = self.limiters.get(name)
        limit = limiter.take(self.batch_size) if limiter else self.batch_size
        with transaction(self.factory) as session:
            rows = outbox.claim(
                session,
                name,
                limit,
                self.clock(),
                self.lease,
                idempotent=channel.idempotent,
                audit=self.audit,
            )
            items, held, wait = self._resolve(session, rows, limiter)
            if held:
                until = self.clock() + dt.timedelta(seconds=max(1.0, wait))
                outbox.release(session, held, until)
        counts.held += len(held)
        if not items:
            return
        sending = [row for row, _ in items]
        results = channel.send_batch([item for _, item in items])
        with transaction(self.factory) as session:
            counts.add(
                outbox.record(session, sending, results, self.clock(), self.policy, self.audit)
            )
        logger.info("notify %s: %d sent or tried", name, len(sending))

    def _resolve(
        self, session: Session, rows: list[Claimed], limiter: RateLimiter | None
    ) -> tuple[list[tuple[Claimed, Outgoing]], list[Claimed], float]:
        groups = _groups(session, rows)
        items: list[tuple[Claimed, Outgoing]] = []
        held: list[Claimed] = []
        wait = 0.0
        for row in rows:
            group = groups.get(row.recipient)
            address = group.webhook_url if group else row.recipient
            if limiter is not None and not limiter.take_key(address):
                held.append(row)
                wait = max(wait, limiter.wait_for(address))
                continue
            items.append(
                (
                    row,
                    Outgoing(
                        row.ref, address, row.title, row.body, group.secret if group else None
                    ),
                )
            )
        return items, held, wait

    def _receipts(self, name: str, channel: OutboundChannel) -> int:
        receipts = channel.poll_receipts()
        if not receipts:
            return 0
        with transaction(self.factory) as session:
            matched = apply_receipts(session, name, receipts, self.clock(), self.audit)
        channel.confirm(matched)  # after the commit: a crash before it means a resent receipt
        return len(matched)

    def outstanding(self) -> int:
        """Rows not yet final: pending, sending, or sent and waiting for a receipt (a row
        waiting for its ``not_before`` is not: see :meth:`waiting`)."""
        with self.factory() as session:
            query = (
                select(func.count())
                .select_from(OutboxRow)
                .where(
                    OutboxRow.channel.in_(list(self.channels)),
                    OutboxRow.status.not_in(sorted(SETTLED)),
                    ~outbox.not_yet(self.clock()),
                )
            )
            return int(session.scalar(query) or 0)

    def waiting(self) -> tuple[int, dt.datetime | None]:
        """Rows queued with a ``not_before`` still ahead of the clock, and the earliest."""
        with self.factory() as session:
            return outbox.waiting(session, list(self.channels), self.clock())

    def run(
        self,
        *,
        until_idle: bool = True,
        stop: threading.Event | None = None,
        interval: float = 0.2,
        receipt_wait: float = 30.0,
    ) -> DispatchCounts:
        """Pass after pass; with ``until_idle``, stop when nothing is outstanding (or nothing
        moved for ``receipt_wait`` seconds: receipts that never come do not block forever)."""
        total = DispatchCounts()
        stop = stop or threading.Event()
        quiet_since = time.monotonic()
        while not stop.is_set():
            counts = self.run_once()
            for key in ("sent", "retry", "failed", "held", "receipts", "cancelled"):
                setattr(total, key, getattr(total, key) + getattr(counts, key))
            if counts.sent or counts.receipts or counts.failed:
                quiet_since = time.monotonic()
                continue
            if until_idle and (
                self.outstanding() == 0 or time.monotonic() - quiet_since > receipt_wait
            ):
                break
            stop.wait(interval)
        return total

    def close(self) -> None:
        """Close every channel."""
        for channel in self.channels.values():
            channel.close()


def _groups(session: Session, rows: list[Claimed]) -> dict[str, BroadcastGroup]:
    keys = {r.recipient for r in rows if r.recipient.startswith("group:")}
    if not keys:
        return {}
    ids = [int(k.removeprefix("group:")) for k in keys]
    found = session.scalars(select(BroadcastGroup).where(BroadcastGroup.id.in_(ids)))
    return {f"group:{g.id}": g for g in found}
