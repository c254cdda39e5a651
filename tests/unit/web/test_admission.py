"""Admission: no more requests inside the app than the pool can serve (web/admission.py)."""

from __future__ import annotations

import asyncio

from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool
from starlette.types import Receive, Scope, Send

from fanzha.web.admission import AdmissionLimit, request_limit


def test_limit_follows_the_pool_capacity(tmp_path: object) -> None:
    url = "sqlite:///" + str(tmp_path) + "/a.db"
    assert request_limit(create_engine(url, pool_size=10, max_overflow=30)) == 19
    assert request_limit(create_engine(url, pool_size=4, max_overflow=4)) == 3
    assert request_limit(create_engine(url, pool_size=1, max_overflow=0)) == 1
    assert request_limit(create_engine(url, poolclass=NullPool)) is None


def test_at_most_limit_requests_run_and_static_files_are_not_held_back() -> None:
    inside = 0
    peak = {"app": 0, "static": 0}

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        nonlocal inside
        inside += 1
        kind = "static" if scope["path"].startswith("/static/") else "app"
        peak[kind] = max(peak[kind], inside)
        await asyncio.sleep(0.01)
        inside -= 1

    gate = AdmissionLimit(app, limit=3)

    async def call(path: str) -> None:
        async def receive() -> dict[str, object]:
            return {"type": "http.request"}

        async def send(_: object) -> None:
            return None

        await gate({"type": "http", "path": path}, receive, send)  # type: ignore[arg-type]

    async def main() -> None:
        await asyncio.gather(*(call(f"/api/v1/warnings/{i}") for i in range(20)))
        await asyncio.gather(*(call(f"/static/app{i}.css") for i in range(20)))

    asyncio.run(main())
    assert peak == {"app": 3, "static": 20}
