"""What the app keeps between requests: settings, database, desk configuration, clock."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from fanzha.notify import MemoryChannel
from fanzha.settings import Settings
from fanzha.web.security import LoginThrottle, SessionCodec
from fanzha.workflow.audit.service import GroupCommit
from fanzha.workflow.warning import service
from fanzha.workflow.warning.routing import DeskConfig

if TYPE_CHECKING:
    from fanzha.workflow.broadcast.desk import RobotSender


class OpenCountsCache:
    """The queue header's open/overdue counts, shared by every user of the process.

    One grouped pass over the open warnings (``service.open_counts``, ~50 ms over 100k on
    SQLite) serves every scope. The desk's clock tick refreshes it every ``ttl_s`` seconds, so
    requests do not pay for it; a request computes it only when it is missing or the tick is
    late (no ticker, as in tests). The queue rows themselves are always fresh.
    """

    def __init__(self, ttl_s: float) -> None:
        self.ttl_s = ttl_s
        self._counts: service.OpenCounts | None = None
        self._at = 0.0
        self._lock = threading.Lock()

    def get(self, factory: sessionmaker[Session], now: dt.datetime) -> service.OpenCounts:
        """The cached counts, refreshed first if missing or older than ``ttl_s`` + 1 s."""
        counts = self._counts
        if counts is not None and time.monotonic() - self._at < self.ttl_s + 1.0:
            return counts
        return self.refresh(factory, now, if_older_than=self.ttl_s)

    def refresh(
        self, factory: sessionmaker[Session], now: dt.datetime, *, if_older_than: float = 0.0
    ) -> service.OpenCounts:
        """Recompute the counts (one thread at a time; the others reuse its result)."""
        with self._lock:
            if self._counts is not None and time.monotonic() - self._at < if_older_than:
                return self._counts
            with factory() as session:
                self._counts = service.open_counts(session=session, now=now)
            self._at = time.monotonic()
            return self._counts


@dataclass
class DeskState:
    """One per app; reachable as ``request.app.state.desk``."""

    settings: Settings
    engine: Engine
    factory: sessionmaker[Session]
    config: DeskConfig
    codec: SessionCodec
    throttle: LoginThrottle
    inbox: MemoryChannel
    clock: Callable[[], dt.datetime]
    counts: OpenCountsCache = field(default_factory=lambda: OpenCountsCache(3.0))
    views: GroupCommit = field(default_factory=GroupCommit)  # audit records of views
    robots: RobotSender | None = None  # sends desk broadcasts now (channels file)
