"""Admission: at most as many requests inside the app as the connection pool can serve.

A sync endpoint's request holds its pooled connection from its first query until the session
is closed after the response is sent, and in between it waits for a request thread more than
once (FastAPI validates a sync endpoint's response model in the thread pool). With more
requests in flight than connections, every thread can end up waiting for a connection held
by a request that waits for a thread: the worker stalls for the pool timeout (30 s) and
answers 500 ``QueuePool limit … reached``. Seen in CI with 50 partner clients on 2 workers.

This middleware admits a request only while fewer than ``limit`` are inside; the others wait
on the event loop, holding nothing. Each request holds at most ``CONNECTIONS_PER_REQUEST``
connections at once (its session, plus a short one recording an API key's last use), so
``limit`` = (pool capacity − ``RESERVED``) // that makes the stall impossible. Static files
hold no connection and are not counted.
"""

from __future__ import annotations

import asyncio

from sqlalchemy import Engine
from sqlalchemy.pool import QueuePool
from starlette.types import ASGIApp, Receive, Scope, Send

CONNECTIONS_PER_REQUEST = 2
RESERVED = 2  # the desk tick and the dashboard warm-up, outside any request


def request_limit(engine: Engine) -> int | None:
    """How many requests may be inside at once for ``engine``'s pool; None if unbounded."""
    pool = engine.pool
    if not isinstance(pool, QueuePool):  # SQLite in memory, NullPool, …: no fixed capacity
        return None
    capacity = pool.size() + max(0, int(getattr(pool, "_max_overflow", 0)))
    return max(1, (capacity - RESERVED) // CONNECTIONS_PER_REQUEST)


class AdmissionLimit:
    """Lets at most ``limit`` HTTP requests (static files aside) run in ``app`` at once."""

    def __init__(self, app: ASGIApp, limit: int, static_prefix: str = "/static/") -> None:
        self.app = app
        self.limit = limit
        self.static_prefix = static_prefix
        self._gate: asyncio.Semaphore | None = None  # made on the serving loop

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or str(scope.get("path", "")).startswith(self.static_prefix):
            await self.app(scope, receive, send)
            return
        if self._gate is None:
            self._gate = asyncio.Semaphore(self.limit)
        async with self._gate:
            await self.app(scope, receive, send)
