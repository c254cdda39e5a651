"""Pages and API: scoping, queue order, detail, conflicts, reveal, breaches, partners' keys."""

from __future__ import annotations

import datetime as dt

from fastapi import FastAPI

from fanzha.web.app import tick_once
from fanzha.workflow.user import service as users
from tests.unit.web.support import NOW, Browser, Clock, add_warning, version_of


def test_officer_of_other_station_gets_404_page_and_api(app: FastAPI, browser: Browser) -> None:
    wid = add_warning(app, community="C1")
    browser.login("officer2")
    assert browser.client.get(f"/warnings/{wid}").status_code == 404
    assert browser.api("GET", f"/api/v1/warnings/{wid}").status_code == 404
    assert browser.post(f"/warnings/{wid}/sign").status_code == 404
    assert wid not in [w["id"] for w in browser.api("GET", "/api/v1/warnings").json()]


def test_queue_sorted_by_level_then_deadline(app: FastAPI, browser: Browser) -> None:
    low = add_warning(app, community="C1", level=1)
    emergency = add_warning(app, community="C1", level=4)
    high = add_warning(app, community="C1", level=3)
    browser.login("officer")
    ids = [w["id"] for w in browser.api("GET", "/api/v1/warnings").json()]
    assert ids == [emergency, high, low]
    page = browser.client.get("/queue?level=4")
    assert f'data-id="{emergency}"' in page.text and f'data-id="{low}"' not in page.text


def test_detail_masks_phone_and_shows_reasons(app: FastAPI, browser: Browser) -> None:
    wid = add_warning(app, community="C1", phone=8613812345678)
    browser.login("officer")
    page = browser.client.get(f"/warnings/{wid}").text
    assert "138****5678" in page and "13812345678" not in page
    assert "通话 320 秒" in page and "签收" in page


def test_reveal_shows_number_once_with_purpose(app: FastAPI, browser: Browser) -> None:
    wid = add_warning(app, community="C1", phone=8613812345678)
    browser.login("officer")
    page = browser.post(f"/warnings/{wid}/reveal", {"purpose": "电话劝阻"})
    assert page.status_code == 200 and "13812345678" in page.text
    assert browser.post(f"/warnings/{wid}/reveal", {"purpose": ""}).status_code == 422


def test_outcome_conflict_keeps_entry(app: FastAPI, browser: Browser) -> None:
    wid = add_warning(app, community="C1")
    stale = version_of(app, wid)
    browser.login("officer")
    browser.post(f"/warnings/{wid}/sign")
    response = browser.post(
        f"/warnings/{wid}/outcome",
        {
            "category": "dissuaded",
            "version": str(stale),
            "confirmed_level": "3",
            "confirmed_type": "impersonate_police",
            "note": "老人已理解，未转账",
        },
    )
    assert response.status_code == 409
    assert "老人已理解，未转账" in response.text and "冲突" in response.text


def test_outcome_validation_error_keeps_entry(app: FastAPI, browser: Browser) -> None:
    wid = add_warning(app, community="C1")
    browser.login("officer")
    response = browser.post(
        f"/warnings/{wid}/outcome",
        {
            "category": "defrauded",
            "version": str(version_of(app, wid)),
            "confirmed_level": "3",
            "confirmed_type": "romance",
            "note": "转账两笔",
        },
    )
    assert response.status_code == 422 and "转账两笔" in response.text


def test_outcome_submission_closes_warning(app: FastAPI, browser: Browser) -> None:
    wid = add_warning(app, community="C1")
    browser.login("officer")
    response = browser.post(
        f"/warnings/{wid}/outcome",
        {
            "category": "dissuaded",
            "version": str(version_of(app, wid)),
            "confirmed_level": "3",
            "confirmed_type": "impersonate_police",
            "amount_saved": "20000",
        },
    )
    assert response.status_code == 303
    detail = browser.api("GET", f"/api/v1/warnings/{wid}").json()
    assert detail["status"] == "closed" and detail["outcomes"][0]["amount_saved_fen"] == 2000000


def test_breach_appears_on_supervisor_page(app: FastAPI, clock: Clock, browser: Browser) -> None:
    wid = add_warning(app, community="C1", level=4)
    clock.now = NOW + dt.timedelta(minutes=7)
    assert tick_once(app.state.desk)["escalated"] == 1
    browser.login("supervisor")
    page = browser.client.get("/supervise").text
    assert f'data-id="{wid}"' in page and "超期未劝阻" in page
    assert f"#{wid}" in page  # the escalation message in the supervisor's inbox


def test_api_key_scopes_limit_partner(app: FastAPI) -> None:
    with app.state.desk.factory.begin() as s:
        _, bank = users.create_api_key(session=s, name="bank", scopes=["leads:write"])
        _, province = users.create_api_key(session=s, name="prov", scopes=["outcomes:read"])
    from fastapi.testclient import TestClient

    client = TestClient(app)
    lead = {
        "phone": "13912345678",
        "level": "紧急",
        "fraud_type": "刷单",
        "source": "bank",
        "source_unit": "某银行",
        "instruction_no": "B-001",
        "community": "C2",
    }
    created = client.post("/api/v1/warnings", json=lead, headers={"X-API-Key": bank})
    assert created.status_code == 201
    body = created.json()
    assert (body["station"], body["level"], body["phone_masked"]) == ("S2", 4, "139****5678")
    assert client.get("/api/v1/warnings", headers={"X-API-Key": bank}).status_code == 403
    assert client.get("/api/v1/outcomes", headers={"X-API-Key": province}).status_code == 200
    assert (
        client.post("/api/v1/warnings", json=lead, headers={"X-API-Key": province}).status_code
        == 403
    )
    assert client.get("/api/v1/warnings", headers={"X-API-Key": "fz_x_y"}).status_code == 401


def test_api_cookie_write_needs_csrf_header(app: FastAPI, browser: Browser) -> None:
    wid = add_warning(app, community="C1")
    browser.login("officer")
    bad = browser.client.post(f"/api/v1/warnings/{wid}/sign", headers={"X-CSRF-Token": "no"})
    assert bad.status_code == 403
    assert browser.api("POST", f"/api/v1/warnings/{wid}/sign").status_code == 200


def test_openapi_describes_api_and_key_scheme(app: FastAPI) -> None:
    from fastapi.testclient import TestClient

    spec = TestClient(app).get("/api/openapi.json").json()
    assert "/api/v1/warnings/{warning_id}/outcomes" in spec["paths"]
    assert "APIKeyHeader" in spec["components"]["securitySchemes"]
    assert not any(p.startswith(("/queue", "/login")) for p in spec["paths"])


def test_pages_send_security_headers(app: FastAPI, browser: Browser) -> None:
    response = browser.client.get("/login")
    assert response.headers["x-frame-options"] == "DENY"
    assert "default-src 'self'" in response.headers["content-security-policy"]


def test_admin_creates_user_and_station(app: FastAPI, browser: Browser) -> None:
    browser.login("admin")
    assert browser.post("/admin/stations", {"code": "S9", "name": "九所"}).status_code == 303
    response = browser.post(
        "/admin/users",
        {
            "username": "new1",
            "display_name": "新人",
            "role": "station_officer",
            "station_code": "S9",
            "password": "long-enough-pw",
        },
    )
    assert response.status_code == 303
    assert "新人" in browser.client.get("/admin/users").text


def test_audit_page_verifies_chain(app: FastAPI, browser: Browser) -> None:
    add_warning(app, community="C1")
    browser.login("admin")
    assert "审计链完整" in browser.client.get("/admin/audit?verify=1").text


def test_export_is_masked_and_audited(app: FastAPI, browser: Browser) -> None:
    add_warning(app, community="C1", phone=8613812345678)
    browser.login("supervisor")
    csv_text = browser.client.get("/export.csv").text
    assert "138****5678" in csv_text and "13812345678" not in csv_text
    browser2 = Browser(app)
    browser2.login("admin")
    assert "export" in browser2.client.get("/admin/audit").text
