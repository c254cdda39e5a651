"""Admin over HTTP: stations (rename, deactivate, move a community), API key revocation, and the
login throttle shared by two app instances on one database."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from fanzha.settings import Settings
from fanzha.store.database import make_engine
from fanzha.web import create_app
from fanzha.workflow.audit.models import AuditRecord
from fanzha.workflow.station.models import Community, Station
from fanzha.workflow.user import service as users
from fanzha.workflow.user.models import ApiKey, LoginFailure
from fanzha.workflow.warning.models import EarlyWarning
from tests.unit.web.support import Browser, Clock, add_warning


def _admin_actions(app: FastAPI) -> list[tuple[str, str]]:
    with app.state.desk.factory() as s:
        query = select(AuditRecord.action, AuditRecord.object_id).where(
            AuditRecord.object_type == "admin"
        )
        return [(a, o) for a, o in s.execute(query.order_by(AuditRecord.id))]


def _station(app: FastAPI, code: str) -> Station:
    with app.state.desk.factory() as s:
        found = s.get(Station, code)
        assert found is not None
        return found


def test_admin_renames_and_deactivates_station(app: FastAPI, browser: Browser) -> None:
    browser.login("admin")
    assert browser.post("/admin/stations/S1", {"op": "rename", "name": "城东所"}).status_code == 303
    assert browser.post("/admin/stations/S1", {"op": "deactivate"}).status_code == 303
    assert (_station(app, "S1").name, _station(app, "S1").active) == ("城东所", False)
    page = browser.client.get("/admin/stations").text
    assert "城东所" in page and "已停用" in page
    again = browser.post("/admin/stations/S1", {"op": "deactivate"})
    assert again.status_code == 409 and "already inactive" in again.text
    assert browser.post("/admin/stations/S9", {"op": "activate"}).status_code == 404
    assert _admin_actions(app) == [("station.rename", "S1"), ("station.deactivate", "S1")]


def test_inactive_station_warnings_go_to_centre_queue(app: FastAPI, browser: Browser) -> None:
    before = add_warning(app, community="C1")
    browser.login("admin")
    browser.post("/admin/stations/S1", {"op": "deactivate"})
    after = add_warning(app, community="C1")
    with app.state.desk.factory() as s:
        stations = {w.id: w.station for w in s.scalars(select(EarlyWarning))}
    assert (stations[before], stations[after]) == ("S1", None)
    browser.post("/admin/stations/S1", {"op": "activate"})
    again = add_warning(app, community="C1")
    with app.state.desk.factory() as s:
        assert s.get(EarlyWarning, again).station == "S1"  # type: ignore[union-attr]


def test_admin_moves_community(app: FastAPI, browser: Browser) -> None:
    browser.login("admin")
    assert browser.post("/admin/communities/C1", {"to_station": "S2"}).status_code == 303
    with app.state.desk.factory() as s:
        assert s.get(Community, "C1").station_code == "S2"  # type: ignore[union-attr]
        assert s.get(EarlyWarning, add_warning(app, community="C1")).station == "S2"  # type: ignore[union-attr]
    assert browser.post("/admin/communities/C1", {"to_station": "S2"}).status_code == 409
    assert browser.post("/admin/communities/C9", {"to_station": "S2"}).status_code == 404
    assert _admin_actions(app) == [("community.move", "C1")]


def test_station_admin_needs_permission(app: FastAPI, browser: Browser) -> None:
    browser.login("supervisor")
    assert browser.post("/admin/stations/S1", {"op": "deactivate"}).status_code == 403
    assert browser.post("/admin/communities/C1", {"to_station": "S2"}).status_code == 403
    assert _station(app, "S1").active


def test_revoked_api_key_is_refused_at_once(app: FastAPI, browser: Browser) -> None:
    with app.state.desk.factory.begin() as s:
        key, secret = users.create_api_key(session=s, name="province", scopes=["warnings:read"])
        key_id = key.id
    partner = TestClient(app)
    assert partner.get("/api/v1/warnings", headers={"X-API-Key": secret}).status_code == 200
    browser.login("admin")
    page = browser.client.get("/admin/users").text
    assert "province" in page and "有效" in page and "从未" not in page  # used just now
    assert browser.post(f"/admin/api-keys/{key_id}/revoke").status_code == 303
    assert partner.get("/api/v1/warnings", headers={"X-API-Key": secret}).status_code == 401
    with app.state.desk.factory() as s:
        stored = s.get(ApiKey, key_id)
        assert stored is not None and stored.revoked_at is not None
        assert stored.revoked_by is not None and stored.revoked_by.endswith(":admin")
        assert stored.last_used_at is not None
    assert "已吊销" in browser.client.get("/admin/users").text
    assert browser.post(f"/admin/api-keys/{key_id}/revoke").status_code == 409
    assert ("apikey.revoke", str(key_id)) in _admin_actions(app)


def test_api_key_last_use_is_written_once_a_minute(app: FastAPI) -> None:
    with app.state.desk.factory.begin() as s:
        key, secret = users.create_api_key(session=s, name="bank", scopes=["warnings:read"])
        key_id = key.id
    partner = TestClient(app)
    partner.get("/api/v1/warnings", headers={"X-API-Key": secret})
    with app.state.desk.factory.begin() as s:
        stored = s.get(ApiKey, key_id)
        assert stored is not None and stored.last_used_at is not None
        stored.last_used_at -= dt.timedelta(seconds=30)
        earlier = stored.last_used_at
    partner.get("/api/v1/warnings", headers={"X-API-Key": secret})
    with app.state.desk.factory() as s:
        assert s.get(ApiKey, key_id).last_used_at == earlier  # type: ignore[union-attr]


@pytest.fixture
def twin(app: FastAPI, clock: Clock) -> FastAPI:
    """A second app instance (another server process) on the same database."""
    settings: Settings = app.state.desk.settings
    return create_app(
        settings, engine=make_engine(settings.database_url), clock=clock, run_ticker=False
    )


def test_throttle_is_shared_by_two_app_instances(app: FastAPI, twin: FastAPI) -> None:
    one, two = Browser(app), Browser(twin)
    one.login("officer", "wrong-password-1")
    two.login("officer", "wrong-password-2")
    one.login("officer", "wrong-password-3")  # 3 failures in all (limit 3), 2 of them in `one`
    assert two.login("officer").status_code == 429
    assert one.login("officer").status_code == 429


def _from(app: FastAPI, address: str) -> Browser:
    browser = Browser(app)
    browser.client = TestClient(app, follow_redirects=False, client=(address, 50000))
    return browser


def test_success_clears_the_users_failures(app: FastAPI, twin: FastAPI) -> None:
    a, b = _from(app, "10.0.0.1"), _from(twin, "10.0.0.2")
    for _ in range(2):
        b.login("officer", "wrong-password-1")
    assert a.login("officer").status_code == 303  # clears user:officer (and 10.0.0.1)
    for _ in range(2):
        a.login("officer", "wrong-password-1")
    assert _from(app, "10.0.0.1").login("officer").status_code == 303  # 2 failures, not 4
    b.login("grid", "wrong-password-1")  # 10.0.0.2's own count was not cleared: now 3
    assert b.login("officer").status_code == 429


def test_old_failures_expire_and_are_purged(app: FastAPI) -> None:
    throttle = app.state.desk.throttle
    start = dt.datetime(2026, 3, 2, 2, 0)
    throttle.clock = lambda: start
    throttle.fail("user:x", "addr:1")
    throttle.fail("user:x", "addr:1")
    throttle.fail("user:x", "addr:1")
    assert throttle.blocked("user:x") and throttle.blocked("addr:1", "user:other")
    later = start + throttle.window + dt.timedelta(seconds=1)
    throttle.clock = lambda: later
    assert not throttle.blocked("user:x", "addr:1")
    throttle.fail("user:y")
    with app.state.desk.factory() as s:
        assert s.scalar(select(func.count()).select_from(LoginFailure)) == 1
