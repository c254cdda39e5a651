"""Periodic rebuild of the consumer's lookups, in a background thread.

Every ``every_seconds`` a thread rebuilds the lookups from the event store (the batch plan's
SQL, :func:`fanzha.stream.lookups.build_lookups`), versions them by content and counts what
changed. The consumer polls between micro-batches and swaps a finished build in there, never
in the middle of one. A build that fails (a half-written store, a file removed under it) is
logged and dropped: the old lookups stay in use and the next attempt comes one period later.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from fanzha.stream.lookups import Lookups, lookups_changes, lookups_digest

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Refreshed:
    """A finished rebuild: the lookups, their version, and per table how many entries changed."""

    lookups: Lookups
    version: str
    changed: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


class LookupsRefresher:
    """Rebuilds lookups every ``every_seconds`` in a thread; :meth:`poll` hands them over."""

    def __init__(self, build: Callable[[], Lookups], every_seconds: float) -> None:
        if every_seconds <= 0:
            raise ValueError("a refresher needs a positive period")
        self.build = build
        self.every_seconds = every_seconds
        self.failures = 0
        self.builds = 0
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._done: Refreshed | None = None
        self._due = time.monotonic() + every_seconds

    def poll(self, current: Lookups, version: str) -> Refreshed | None:
        """A finished build (at most once each), or None; starts a build when one is due."""
        with self._lock:
            done, self._done = self._done, None
            idle = self._thread is None
        if done is None and idle and time.monotonic() >= self._due:
            self.start(current, version)
        return done

    def start(self, current: Lookups, version: str) -> bool:
        """Start a build now (unless one runs); ``current``/``version``: what is in use."""
        with self._lock:
            if self._thread is not None:
                return False
            self._thread = threading.Thread(
                target=self._run, args=(current, version), name="lookups-refresh", daemon=True
            )
            self._thread.start()
        return True

    def wait(self, timeout: float | None = None) -> None:
        """Until the running build (if any) has finished."""
        with self._lock:
            thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def _run(self, current: Lookups, version: str) -> None:
        started = time.monotonic()
        result: Refreshed | None = None
        try:
            fresh = self.build()
            fresh_version = lookups_digest(fresh)
            changed = lookups_changes(current, fresh) if fresh_version != version else {}
            result = Refreshed(fresh, fresh_version, changed, time.monotonic() - started)
        except Exception:  # any failure keeps the old lookups; the consumer must go on
            self.failures += 1
            log.exception("stream lookups: the rebuild failed; the old lookups stay in use")
        with self._lock:
            self.builds += 1
            self._done = result
            self._thread = None
            self._due = time.monotonic() + self.every_seconds
