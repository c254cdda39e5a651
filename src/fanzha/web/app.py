"""The app factory: ``create_app(settings)`` builds the desk (pages, JSON API, clock tick)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import gc
import logging
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from anyio import to_thread
from fastapi import FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fanzha.notify import MemoryChannel
from fanzha.notify.outbox import RetryPolicy
from fanzha.settings import Settings
from fanzha.store.database import make_engine, session_factory, transaction
from fanzha.store.event_store import EventStore
from fanzha.web import (
    api,
    api_cases,
    api_events,
    api_partner,
    api_publicity,
    api_restrictions,
    errors,
)
from fanzha.web.admission import AdmissionLimit, request_limit
from fanzha.web.pages import (
    admin,
    auth,
    broadcasts,
    cases,
    dashboard,
    notices,
    partners,
    points,
    publicity,
    restrictions,
    roster,
    roster_export,
    supervise,
    teams,
    warnings,
)
from fanzha.web.render import TEMPLATES
from fanzha.web.security import COOKIE, LoginThrottle, SessionCodec
from fanzha.web.state import DeskState
from fanzha.workflow.broadcast.desk import robot_dispatcher
from fanzha.workflow.clock import local_now
from fanzha.workflow.tier.service import tier_config
from fanzha.workflow.warning import sweep
from fanzha.workflow.warning.matching import ResidentMatcher
from fanzha.workflow.warning.routing import DeskConfig, route_new

logger = logging.getLogger(__name__)
REQUEST_THREADS = 12
STATIC = Path(__file__).with_name("static")
_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
}
_RAW_HEADERS = [(k.lower().encode(), v.encode()) for k, v in _HEADERS.items()]


def create_app(
    settings: Settings,
    *,
    engine: Engine | None = None,
    clock: Callable[[], dt.datetime] | None = None,
    run_ticker: bool = True,
) -> FastAPI:
    """The desk app. The schema must already be migrated (``fanzha.store.database.upgrade``)."""
    engine = engine or make_engine(
        settings.effective_database_url,
        pool_size=settings.database_pool_size,
        max_overflow=settings.database_max_overflow,
    )
    inbox = MemoryChannel()
    desk = DeskState(
        settings=settings,
        engine=engine,
        factory=session_factory(engine),
        config=DeskConfig(
            sla=settings.sla_minutes,
            capacity=settings.officer_capacity,
            channel=inbox,
            matcher=ResidentMatcher(EventStore(settings.data_dir), settings.pseudonym_key),
            tiers=tier_config(settings),
        ),
        codec=SessionCodec(settings.secret_key, settings.session_max_age_minutes * 60),
        throttle=LoginThrottle(
            session_factory(engine),
            settings.login_max_failures,
            settings.login_lockout_minutes * 60,
        ),
        inbox=inbox,
        clock=clock or (lambda: local_now(settings.timezone)),
    )
    desk.robots = robot_dispatcher(
        settings.notify_channels_file,
        desk.factory,
        desk.clock,
        lease=dt.timedelta(seconds=settings.notify_lease_seconds),
        policy=RetryPolicy(settings.notify_max_attempts, settings.notify_retry_seconds),
    )
    app = FastAPI(
        title="Fanzha warning desk API",
        version="1",
        docs_url=None,  # the Swagger UI loads assets from a CDN: not inside the police network
        redoc_url=None,
        openapi_url="/api/openapi.json",
        lifespan=_lifespan(desk) if run_ticker else None,
    )
    app.state.desk = desk
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in (
        auth,
        warnings,
        restrictions,
        supervise,
        admin,
        cases,
        dashboard,
        publicity,
        roster_export,  # before roster: /volunteers/export.csv is not /volunteers/{id}
        roster,
        teams,
        points,
        broadcasts,
        partners,
        notices,
    ):
        app.include_router(module.router)
    app.include_router(api.router)
    app.include_router(api_cases.router)
    app.include_router(api_restrictions.router)
    app.include_router(api_events.router)
    app.include_router(api_partner.router)
    app.include_router(api_publicity.router)
    errors.install(app)
    app.add_middleware(SessionAndHeaders, desk=desk)
    limit = request_limit(engine)
    if limit is not None:  # outermost: a waiting request holds nothing (web/admission.py)
        app.add_middleware(AdmissionLimit, limit=limit)
    return app


class SessionAndHeaders:
    """Sets the session cookie when the session is new or changed, and the security headers.

    A plain ASGI middleware: Starlette's ``BaseHTTPMiddleware`` (``app.middleware("http")``)
    runs every request through an extra task and memory streams, which costs more than the
    rest of a cached page.
    """

    def __init__(self, app: ASGIApp, desk: DeskState) -> None:
        self.app = app
        self.desk = desk

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = self._headers(scope, list(message.get("headers", [])))
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _headers(
        self, scope: Scope, headers: list[tuple[bytes, bytes]]
    ) -> list[tuple[bytes, bytes]]:
        state = scope.get("state") or {}
        data = state.get("session")
        changed = state.get("session_changed", False)
        if data is not None and (changed or COOKIE not in Request(scope).cookies):
            cookie = Response()
            cookie.set_cookie(
                COOKIE,
                self.desk.codec.dumps(data),
                max_age=self.desk.codec.max_age_s,
                httponly=True,
                secure=self.desk.settings.cookie_secure,
                samesite="lax",
                path="/",
            )
            headers += [(k, v) for k, v in cookie.raw_headers if k == b"set-cookie"]
        present = {k.lower() for k, _ in headers}
        headers += [(k, v) for k, v in _RAW_HEADERS if k not in present]
        return headers


def tick_once(desk: DeskState) -> dict[str, int]:
    """Run one desk tick (route new warnings, re-time, escalate breaches).

    Routing commits on its own, so a conflict while re-timing (another process re-timed the
    same warning) never holds back the routing of new warnings.
    """
    now = desk.clock()
    with transaction(desk.factory) as session:
        routed = route_new(session=session, config=desk.config, now=now)
    with transaction(desk.factory) as session:
        counts = sweep.tick(session=session, config=desk.config, now=now)
    counts["routed"] += routed
    return counts


def _lifespan(desk: DeskState) -> Callable[[FastAPI], contextlib.AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if desk.config.matcher is not None:  # the resident index, before the first lead
            await to_thread.run_sync(desk.config.matcher.warm)
        settle_memory()
        # Fewer request threads than pooled connections (SQLAlchemy's default 5 + 10): a
        # thread never waits for a connection, and fewer threads contend for the GIL.
        to_thread.current_default_thread_limiter().total_tokens = REQUEST_THREADS
        task = asyncio.create_task(_tick_forever(desk))
        if desk.settings.dashboard_warm_up:
            threading.Thread(target=_warm_dashboard, args=(desk, app), daemon=True).start()
        yield
        task.cancel()
        if desk.robots is not None:
            desk.robots.close()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    return lifespan


def _warm_dashboard(desk: DeskState, app: FastAPI) -> None:
    started = time.monotonic()
    try:
        computed = dashboard.warm_up(desk, app.state)
    except Exception:  # the first view computes what is missing
        logger.exception("dashboard warm-up failed")
        return
    logger.info("dashboard warm-up: %d answers in %.1f s", computed, time.monotonic() - started)


def settle_memory() -> None:
    """Compile the templates, then move everything alive into the collector's permanent
    generation and collect less often.

    Measured under load: with the defaults, each server process spent ~10 % of its time in
    the cyclic garbage collector, with single pauses of 0.6 s (full collections walking the
    ~140k long-lived objects of SQLAlchemy, Jinja2, FastAPI and pydantic) — most of the p99.
    Frozen objects are never scanned again; a request's garbage is freed by reference
    counting anyway.
    """
    for name in TEMPLATES.env.list_templates():
        TEMPLATES.env.get_template(name)
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 20, 20)


async def _tick_forever(desk: DeskState) -> None:
    while True:
        try:
            await run_in_threadpool(tick_once, desk)
            await run_in_threadpool(
                desk.counts.refresh, desk.factory, desk.clock(), if_older_than=desk.counts.ttl_s
            )
        except Exception:  # a failed tick (e.g. a concurrent edit) is retried next time
            logger.exception("desk tick failed")
        await asyncio.sleep(desk.settings.desk_tick_seconds)
