"""Emergency notices: new 紧急 warnings in the page user's scope, for the polling banner."""

from __future__ import annotations

from fastapi import FastAPI

from tests.unit.web.support import Browser, add_warning


def test_emergency_notices_list_new_emergencies_in_scope_only(app: FastAPI) -> None:
    officer, other = Browser(app), Browser(app)
    officer.login("officer")  # station S1
    other.login("officer2")  # station S2
    start = officer.client.get("/notices/emergency").json()
    assert start["notices"] == []
    add_warning(app, community="C1", level=3)
    urgent = add_warning(app, community="C1", level=4)
    add_warning(app, community="C2", level=4)
    body = officer.client.get(f"/notices/emergency?after={start['latest']}").json()
    assert [n["id"] for n in body["notices"]] == [urgent]
    assert body["notices"][0]["station"] == "S1" and body["latest"] == urgent
    again = officer.client.get(f"/notices/emergency?after={body['latest']}").json()
    assert again["notices"] == []
    assert urgent not in [
        n["id"] for n in other.client.get("/notices/emergency?after=0").json()["notices"]
    ]


def test_emergency_notice_banner_is_on_desk_pages(app: FastAPI) -> None:
    officer = Browser(app)
    officer.login("officer")
    page = officer.client.get("/queue").text
    assert 'id="emergency-notices"' in page and "新的紧急预警" in page
