"""Stop-payments over HTTP: the warning page's forms, the supervisor's list, the JSON API."""

from __future__ import annotations

import datetime as dt
import re

from fastapi import FastAPI
from sqlalchemy import select

from fanzha.workflow.audit.models import AuditRecord
from fanzha.workflow.restriction.models import Appeal, Restriction
from tests.unit.web.support import NOW, Browser, Clock, add_warning

STOP = {
    "kind": "stop_payment",
    "reason": "大额转账进行中",
    "notice": "电话告知",
    "appeal_channel": "96110",
}


def _stop(browser: Browser, wid: int) -> int:
    assert browser.post(f"/warnings/{wid}/action", STOP).status_code == 303
    found = re.search(
        r'class="restriction active" data-id="(\d+)"', browser.client.get(f"/warnings/{wid}").text
    )
    assert found, "the warning page shows the active stop-payment"
    return int(found.group(1))


def _restriction(app: FastAPI, rid: int) -> Restriction:
    with app.state.desk.factory() as s:
        r = s.get(Restriction, rid)
        assert r is not None
        return r


def _audited(app: FastAPI, rid: int) -> list[str]:
    with app.state.desk.factory() as s:
        query = select(AuditRecord.action).where(
            AuditRecord.object_type == "restriction", AuditRecord.object_id == str(rid)
        )
        return list(s.scalars(query.order_by(AuditRecord.id)))


def test_detail_page_lifts_with_reason_and_keeps_entry_on_error(
    app: FastAPI, browser: Browser, clock: Clock
) -> None:
    wid = add_warning(app, community="C1", level=3)
    browser.login("supervisor")
    rid = _stop(browser, wid)
    clock.now = NOW + dt.timedelta(hours=26, minutes=5)
    page = browser.client.get(f"/warnings/{wid}").text
    assert "保护性止付" in page and "96110" in page and "1d 2h" in page
    empty = browser.post(f"/warnings/{wid}/restrictions/{rid}/lift", {"lift_reason": " "})
    assert empty.status_code == 422 and "say why" in empty.text
    done = browser.post(
        f"/warnings/{wid}/restrictions/{rid}/lift", {"lift_reason": "银行核实无风险"}
    )
    assert done.status_code == 303
    r = _restriction(app, rid)
    assert (r.status, r.lift_reason, r.lifted_at) == ("lifted", "银行核实无风险", clock.now)
    assert "已解除" in browser.client.get(f"/warnings/{wid}").text
    assert _audited(app, rid) == ["restriction.create", "restriction.lift"]


def test_officer_records_appeal_supervisor_upholds_it(app: FastAPI, browser: Browser) -> None:
    wid = add_warning(app, community="C1", level=3)
    browser.login("supervisor")
    rid = _stop(browser, wid)
    officer = Browser(app)
    officer.login("officer")
    page = officer.client.get(f"/warnings/{wid}").text
    assert "appeal-form" in page and "lift-form" not in page
    assert (
        officer.post(f"/warnings/{wid}/restrictions/{rid}/lift", {"lift_reason": "x"}).status_code
        == 403
    )
    sent = officer.post(f"/warnings/{wid}/restrictions/{rid}/appeal", {"appeal_text": "工资卡急用"})
    assert sent.status_code == 303
    with app.state.desk.factory() as s:
        aid = s.scalar(select(Appeal.id).where(Appeal.restriction_id == rid))
    assert "decide-form" not in officer.client.get(f"/warnings/{wid}").text
    assert "decide-form" in browser.client.get(f"/warnings/{wid}").text
    decided = browser.post(
        f"/warnings/{wid}/restrictions/{rid}/appeals/{aid}",
        {"decision": "upheld", "decision_note": "核实"},
    )
    assert decided.status_code == 303
    assert (_restriction(app, rid).status, _restriction(app, rid).lift_reason) == (
        "lifted",
        "appeal upheld",
    )
    officer2 = Browser(app)
    officer2.login("officer2")  # another station: the restriction does not exist for them
    assert (
        officer2.post(
            f"/warnings/{wid}/restrictions/{rid}/appeal", {"appeal_text": "x"}
        ).status_code
        == 404
    )


def test_restriction_must_belong_to_the_warning_in_the_url(app: FastAPI, browser: Browser) -> None:
    wid = add_warning(app, community="C1", level=3)
    other = add_warning(app, community="C1", level=3)
    browser.login("supervisor")
    rid = _stop(browser, wid)
    response = browser.post(f"/warnings/{other}/restrictions/{rid}/lift", {"lift_reason": "x"})
    assert response.status_code == 404 and _restriction(app, rid).status == "active"


def test_supervisor_page_lists_active_restrictions_oldest_first(
    app: FastAPI, browser: Browser, clock: Clock
) -> None:
    browser.login("supervisor")
    ids = []
    for minutes in (0, 30, 60):
        clock.now = NOW + dt.timedelta(minutes=minutes)
        ids.append(_stop(browser, add_warning(app, community="C2", level=3)))
    wid = _restriction(app, ids[1]).warning_id
    browser.post(f"/warnings/{wid}/restrictions/{ids[1]}/lift", {"lift_reason": "解除"})
    page = browser.client.get("/supervise").text
    table = page[page.index('id="active-restrictions"') :]
    shown = [int(x) for x in re.findall(r'<tr data-id="(\d+)"', table)]
    assert shown == [ids[0], ids[2]]
    leader = Browser(app)
    leader.login("leader")
    assert f'<tr data-id="{ids[0]}"' in leader.client.get("/supervise").text


def test_api_lists_lifts_appeals_and_decides(app: FastAPI, browser: Browser) -> None:
    wid = add_warning(app, community="C1", level=3)
    browser.login("supervisor")
    created = browser.api("POST", f"/api/v1/warnings/{wid}/actions", json=STOP)
    assert created.status_code == 201
    (listed,) = browser.api("GET", f"/api/v1/warnings/{wid}/restrictions").json()
    assert (listed["status"], listed["appeal_channel"], listed["appeals"]) == (
        "active",
        "96110",
        [],
    )
    rid = listed["id"]
    assert [r["id"] for r in browser.api("GET", "/api/v1/restrictions").json()] == [rid]
    appeal = browser.api("POST", f"/api/v1/restrictions/{rid}/appeals", json={"text": "误判"})
    assert appeal.status_code == 201
    again = browser.api("POST", f"/api/v1/restrictions/{rid}/appeals", json={"text": "再次"})
    assert again.status_code == 409
    url = f"/api/v1/restrictions/{rid}/appeals/{appeal.json()['id']}/decision"
    rejected = browser.api("POST", url, json={"decision": "rejected", "note": "仍在联系诈骗号码"})
    assert rejected.status_code == 200 and rejected.json()["appeals"][0]["decision"] == "rejected"
    lifted = browser.api("POST", f"/api/v1/restrictions/{rid}/lift", json={"reason": "资金已安全"})
    assert lifted.json()["status"] == "lifted" and lifted.json()["lift_reason"] == "资金已安全"
    assert (
        browser.api("POST", f"/api/v1/restrictions/{rid}/lift", json={"reason": "x"}).status_code
        == 409
    )
    assert browser.api("GET", "/api/v1/restrictions").json() == []
    assert (
        browser.api("POST", f"/api/v1/restrictions/{rid}/lift", json={"reason": ""}).status_code
        == 422
    )


def test_api_lift_needs_stop_payment_permission(app: FastAPI, browser: Browser) -> None:
    wid = add_warning(app, community="C1", level=3)
    browser.login("supervisor")
    rid = _stop(browser, wid)
    operator = Browser(app)
    operator.login("operator")
    response = operator.api("POST", f"/api/v1/restrictions/{rid}/lift", json={"reason": "x"})
    assert response.status_code == 403 and _restriction(app, rid).status == "active"
    appeal = operator.api("POST", f"/api/v1/restrictions/{rid}/appeals", json={"text": "申诉"})
    assert appeal.status_code == 201  # recording an appeal needs only the act permission
