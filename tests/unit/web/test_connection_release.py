"""A request gives its pooled connection back once the caller is known, before the endpoint's
own thread hop. A request that kept it while waiting for a free request thread could, under
load, hold every connection of the pool while the threads that would release them wait for
one: the desk stalled for the pool timeout and answered 500 (50 partner clients on 2
workers, CI of stop 15)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.pool import QueuePool

from fanzha.web.deps import ApiPrincipal, PagePrincipal
from fanzha.workflow.user import service as users
from tests.unit.web.support import Browser


def _probe(app: FastAPI) -> None:
    pool = app.state.desk.engine.pool
    assert isinstance(pool, QueuePool)

    @app.get("/_probe/api")
    def api(principal: ApiPrincipal) -> dict[str, Any]:
        return {"who": principal.name, "held": pool.checkedout()}

    @app.get("/_probe/page")
    def page(principal: PagePrincipal) -> dict[str, Any]:
        return {"who": principal.name, "held": pool.checkedout()}


def test_api_key_caller_holds_no_connection_in_the_endpoint(app: FastAPI) -> None:
    _probe(app)
    with app.state.desk.factory.begin() as s:
        _, secret = users.create_api_key(session=s, name="bank", scopes=["warnings:read"])
    client = TestClient(app)
    for _ in range(2):  # the first call also records the key's last use
        got = client.get("/_probe/api", headers={"X-API-Key": secret}).json()
        assert got == {"who": "bank", "held": 0}


def test_logged_in_caller_holds_no_connection_in_the_endpoint(
    app: FastAPI, browser: Browser
) -> None:
    _probe(app)
    browser.login("admin")
    got = browser.client.get("/_probe/page").json()
    assert got["held"] == 0 and got["who"]
