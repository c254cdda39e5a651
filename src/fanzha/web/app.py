"""The app factory: ``create_app(settings)`` builds the desk (pages, JSON API, clock tick)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from fanzha.notify import MemoryChannel
from fanzha.settings import Settings
from fanzha.store.database import make_engine, session_factory, transaction
from fanzha.web import api, errors
from fanzha.web.pages import admin, auth, supervise, warnings
from fanzha.web.security import COOKIE, LoginThrottle, SessionCodec
from fanzha.web.state import DeskState
from fanzha.workflow.clock import local_now
from fanzha.workflow.warning import sweep
from fanzha.workflow.warning.routing import DeskConfig

logger = logging.getLogger(__name__)
STATIC = Path(__file__).with_name("static")
_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
}


def create_app(
    settings: Settings,
    *,
    engine: Engine | None = None,
    clock: Callable[[], dt.datetime] | None = None,
    run_ticker: bool = True,
) -> FastAPI:
    """The desk app. The schema must already be migrated (``fanzha.store.database.upgrade``)."""
    engine = engine or make_engine(settings.effective_database_url)
    inbox = MemoryChannel()
    desk = DeskState(
        settings=settings,
        engine=engine,
        factory=session_factory(engine),
        config=DeskConfig(
            sla=settings.sla_minutes, capacity=settings.officer_capacity, channel=inbox
        ),
        codec=SessionCodec(settings.secret_key, settings.session_max_age_minutes * 60),
        throttle=LoginThrottle(settings.login_max_failures, settings.login_lockout_minutes * 60),
        inbox=inbox,
        clock=clock or (lambda: local_now(settings.timezone)),
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
    for module in (auth, warnings, supervise, admin):
        app.include_router(module.router)
    app.include_router(api.router)
    errors.install(app)
    app.middleware("http")(_session_and_headers)
    return app


async def _session_and_headers(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    response = await call_next(request)
    data = getattr(request.state, "session", None)
    changed = getattr(request.state, "session_changed", False)
    if data is not None and (changed or COOKIE not in request.cookies):
        desk: DeskState = request.app.state.desk
        response.set_cookie(
            COOKIE,
            desk.codec.dumps(data),
            max_age=desk.codec.max_age_s,
            httponly=True,
            secure=desk.settings.cookie_secure,
            samesite="lax",
            path="/",
        )
    for name, value in _HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def tick_once(desk: DeskState) -> dict[str, int]:
    """Run one desk tick (route new warnings, re-time, escalate breaches)."""
    with transaction(desk.factory) as session:
        return sweep.tick(session=session, config=desk.config, now=desk.clock())


def _lifespan(desk: DeskState) -> Callable[[FastAPI], contextlib.AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        task = asyncio.create_task(_tick_forever(desk))
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    return lifespan


async def _tick_forever(desk: DeskState) -> None:
    while True:
        try:
            await run_in_threadpool(tick_once, desk)
        except Exception:  # a failed tick (e.g. a concurrent edit) is retried next time
            logger.exception("desk tick failed")
        await asyncio.sleep(desk.settings.desk_tick_seconds)
