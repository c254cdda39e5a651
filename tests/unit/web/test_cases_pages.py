"""The case registry over HTTP: list with sums and masking, entry form, detail clocks, API."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from fastapi import FastAPI
from sqlalchemy import func, select

from fanzha.workflow.audit.models import AuditRecord
from fanzha.workflow.case.models import Case, CaseAccount
from fanzha.workflow.user import service as users
from tests.unit.web.support import NOW, Browser

T0 = NOW - dt.timedelta(hours=3)


def add_case(app: FastAPI, **kw: Any) -> int:
    """Insert a case (and accounts given as dicts) straight into the store."""
    accounts = kw.pop("accounts", [])
    values: dict[str, Any] = {
        "case_no": f"A{len(kw)}-{dt.datetime.now().timestamp()}",
        "reported_at": T0,
        "victim_phone": 8613812345678,
        "station": "S1",
        "community": "C1",
        "fraud_type": "impersonate_police",
        "loss_fen": 5_000_000,
        "solved": False,
        "arrests": 0,
        "source": "manual",
        "note": "",
    }
    values.update(kw)
    with app.state.desk.factory.begin() as s:
        case = Case(**values)
        s.add(case)
        s.flush()
        for a in accounts:
            s.add(
                CaseAccount(
                    case_id=case.id,
                    **{
                        "bank": "",
                        "stopped_fen": 0,
                        "frozen_fen": 0,
                        "returned_fen": 0,
                        **a,
                    },
                )
            )
        return case.id


def _audits(app: FastAPI, action: str) -> int:
    with app.state.desk.factory() as s:
        return int(
            s.scalar(select(func.count(AuditRecord.id)).where(AuditRecord.action == action)) or 0
        )


def test_cases_list_shows_sums_and_masks_phone_and_account(app: FastAPI, browser: Browser) -> None:
    add_case(
        app,
        case_no="A1",
        accounts=[{"account": "6222000011112222", "paid_fen": 3_000_000, "frozen_fen": 1_000_000}],
    )
    add_case(app, case_no="A2", loss_fen=120_050, station="S2", solved=True, arrests=2)
    browser.login("operator")
    page = browser.client.get("/cases")
    assert page.status_code == 200
    totals = re.search(r'id="case-totals">(.*?)</p>', page.text, re.S)
    assert totals is not None
    assert "51,200.50" in totals.group(1)  # 50,000.00 + 1,200.50
    assert "10,000.00" in totals.group(1)  # frozen
    assert "6222********2222" in page.text and "6222000011112222" not in page.text
    assert "138****5678" in page.text and "13812345678" not in page.text


def test_cases_list_filters_by_solved_station_and_period(app: FastAPI, browser: Browser) -> None:
    add_case(app, case_no="OLD", reported_at=NOW - dt.timedelta(days=40))
    add_case(app, case_no="SOLVED", solved=True, station="S2")
    add_case(app, case_no="OPEN")
    browser.login("operator")
    solved = browser.client.get("/cases?solved=yes").text
    assert "SOLVED" in solved and "OPEN" not in solved
    s1 = browser.client.get("/cases?station=S1").text
    assert "OPEN" in s1 and "SOLVED" not in s1
    since = (NOW - dt.timedelta(days=7)).date().isoformat()
    recent = browser.client.get(f"/cases?from={since}").text
    assert "OPEN" in recent and "OLD" not in recent


def test_station_officer_sees_only_own_station_cases(app: FastAPI, browser: Browser) -> None:
    mine = add_case(app, case_no="MINE", station="S1")
    other = add_case(app, case_no="THEIRS", station="S2")
    browser.login("officer")
    listing = browser.client.get("/cases").text
    assert "MINE" in listing and "THEIRS" not in listing
    assert browser.client.get(f"/cases/{mine}").status_code == 200
    assert browser.client.get(f"/cases/{other}").status_code == 404
    assert browser.client.get("/cases/new").status_code == 403


def test_new_case_form_keeps_entries_on_error_and_creates(app: FastAPI, browser: Browser) -> None:
    browser.login("operator")
    form = {
        "case_no": "N-1",
        "reported_at": "2026-03-02T09:00",
        "phone": "13912345678",
        "fraud_type": "romance",
        "loss": "100",
        "account": "6222 3333 4444 5555",
        "paid": "250.00",
        "note": "先期转账",
    }
    blank = browser.client.get("/cases/new")
    assert '<option value="S1"' in blank.text and 'name="reported_at"' in blank.text
    bad = browser.post("/cases/new", form)
    assert bad.status_code == 422
    assert "more than the loss" in bad.text
    assert 'value="6222 3333 4444 5555"' in bad.text and "先期转账" in bad.text
    good = browser.post("/cases/new", {**form, "loss": "250"})
    assert good.status_code == 303
    with app.state.desk.factory() as s:
        case = s.scalar(select(Case).where(Case.case_no == "N-1"))
        assert case is not None and case.loss_fen == 25_000 and case.station is None
        account = s.scalar(select(CaseAccount).where(CaseAccount.case_id == case.id))
        assert account is not None and account.account == "6222333344445555"
    again = browser.post("/cases/new", {**form, "loss": "250"})
    assert again.status_code == 422 and "exists already" in again.text


def test_case_detail_shows_late_stop_in_red_and_receive_only_end(
    app: FastAPI, browser: Browser
) -> None:
    cid = add_case(app, accounts=[{"account": "6222000011112222", "paid_fen": 1_000_000}])
    with app.state.desk.factory() as s:
        aid = s.scalar(select(CaseAccount.id).where(CaseAccount.case_id == cid))
    browser.login("supervisor")
    late = T0 + dt.timedelta(minutes=45)
    response = browser.post(
        f"/cases/{cid}/accounts/{aid}/stop",
        {"at": late.strftime("%Y-%m-%dT%H:%M"), "amount": "8000"},
    )
    assert response.status_code == 303
    page = browser.client.get(f"/cases/{cid}").text
    stop_cell = re.search(r'<td class="stop">(.*?)</td>', page, re.S)
    assert stop_cell is not None
    assert "due late" in stop_cell.group(1) and "45" in stop_cell.group(1)
    assert (late + dt.timedelta(hours=48)).strftime("%Y-%m-%d %H:%M") in page
    assert _audits(app, "case.stop") == 1 and _audits(app, "view") >= 1


def test_case_detail_on_time_stop_is_not_red(app: FastAPI, browser: Browser) -> None:
    cid = add_case(app, accounts=[{"account": "6222000011112222", "paid_fen": 1_000_000}])
    with app.state.desk.factory() as s:
        aid = s.scalar(select(CaseAccount.id).where(CaseAccount.case_id == cid))
    browser.login("operator")
    at = (T0 + dt.timedelta(minutes=20)).strftime("%Y-%m-%dT%H:%M")
    browser.post(f"/cases/{cid}/accounts/{aid}/stop", {"at": at, "amount": "10000"})
    page = browser.client.get(f"/cases/{cid}").text
    stop_cell = re.search(r'<td class="stop">(.*?)</td>', page, re.S)
    assert stop_cell is not None and "late" not in stop_cell.group(1)


def test_freeze_above_paid_is_refused_and_form_kept(app: FastAPI, browser: Browser) -> None:
    cid = add_case(app, accounts=[{"account": "6222000011112222", "paid_fen": 1_000_000}])
    with app.state.desk.factory() as s:
        aid = s.scalar(select(CaseAccount.id).where(CaseAccount.case_id == cid))
    browser.login("operator")
    at = (T0 + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    bad = browser.post(f"/cases/{cid}/accounts/{aid}/freeze", {"at": at, "amount": "20000"})
    assert bad.status_code == 422 and "more frozen than" in bad.text
    assert 'value="20000"' in bad.text
    ok = browser.post(f"/cases/{cid}/accounts/{aid}/freeze", {"at": at, "amount": "6000.5"})
    assert ok.status_code == 303
    with app.state.desk.factory() as s:
        account = s.get(CaseAccount, aid)
        assert account is not None and account.frozen_fen == 600_050


def test_solved_form_records_arrests(app: FastAPI, browser: Browser) -> None:
    cid = add_case(app)
    browser.login("operator")
    at = (T0 + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    assert (
        browser.post(f"/cases/{cid}/solved", {"solved": "1", "solved_at": at, "arrests": "3"})
    ).status_code == 303
    with app.state.desk.factory() as s:
        case = s.get(Case, cid)
        assert case is not None and case.solved and case.arrests == 3


def test_cases_pages_in_english(app: FastAPI, browser: Browser) -> None:
    browser.login("leader")
    browser.client.get("/lang/en?next=/cases")
    page = browser.client.get("/cases").text
    assert "First-level payee accounts" in page and "Loss" in page
    assert 'href="/cases"' in page  # nav link for CASE_VIEW


def _api_key(app: FastAPI, scopes: list[str]) -> str:
    with app.state.desk.factory.begin() as s:
        _, token = users.create_api_key(session=s, name="province", scopes=scopes)
    return token


def test_api_partner_creates_then_updates_case_without_duplicate(app: FastAPI) -> None:
    from fastapi.testclient import TestClient

    client = TestClient(app)
    headers = {"X-API-Key": _api_key(app, ["cases:write"])}
    body = {
        "case_no": "P-77",
        "reported_at": "2026-03-02T08:00:00",
        "phone": "+86 139 1234 5678",
        "fraud_type": "刷单返利",
        "accounts": [{"account": "6217000099998888", "paid": "1,999.99"}],
    }
    first = client.post("/api/v1/cases", json=body, headers=headers)
    assert first.status_code == 201, first.text
    data = first.json()
    assert data["loss_fen"] == 199_999 and data["fraud_type"] == "task_rebate"
    assert data["phone_masked"] == "139****5678"
    assert data["accounts"][0]["account_masked"] == "6217********8888"
    body["accounts"][0]["stop_at"] = "2026-03-02T08:10:00"  # type: ignore[index]
    second = client.post("/api/v1/cases", json=body, headers=headers)
    assert second.status_code == 200
    account = second.json()["accounts"][0]
    assert account["stop_on_time"] is True and account["stop_minutes_after_report"] == 10
    listing = client.get("/api/v1/cases", headers=headers).json()
    assert [c["case_no"] for c in listing] == ["P-77"]
    one = client.get(f"/api/v1/cases/{data['id']}", headers=headers)
    assert one.status_code == 200 and len(one.json()["accounts"]) == 1


def test_api_without_cases_scope_is_forbidden(app: FastAPI) -> None:
    from fastapi.testclient import TestClient

    client = TestClient(app)
    headers = {"X-API-Key": _api_key(app, ["warnings:read"])}
    response = client.post(
        "/api/v1/cases", json={"case_no": "X", "reported_at": "2026-03-02T08:00"}, headers=headers
    )
    assert response.status_code == 403
    assert client.get("/api/v1/cases", headers=headers).status_code == 403


def test_reveal_account_needs_purpose_and_is_audited(app: FastAPI, browser: Browser) -> None:
    cid = add_case(app, accounts=[{"account": "6222000011112222", "paid_fen": 1_000_000}])
    with app.state.desk.factory() as s:
        aid = s.scalar(select(CaseAccount.id).where(CaseAccount.case_id == cid))
    browser.login("officer")  # S1, holds reveal
    short = browser.post(f"/cases/{cid}/accounts/{aid}/reveal", {"purpose": "x"})
    assert short.status_code == 422 and "6222000011112222" not in short.text
    shown = browser.post(f"/cases/{cid}/accounts/{aid}/reveal", {"purpose": "办理紧急止付"})
    assert shown.status_code == 200 and "6222000011112222" in shown.text
    phone = browser.post(f"/cases/{cid}/reveal", {"purpose": "回拨核实情况"})
    assert "13812345678" in phone.text
    with app.state.desk.factory() as s:
        records = list(
            s.scalars(
                select(AuditRecord).where(AuditRecord.action == "reveal").order_by(AuditRecord.id)
            )
        )
    assert [r.detail["field"] for r in records] == ["account", "phone"]
    assert records[0].detail["purpose"] == "办理紧急止付" and records[0].object_type == "case"


def test_reveal_forbidden_without_permission_and_hidden_outside_station(
    app: FastAPI, browser: Browser
) -> None:
    other = add_case(app, station="S2", accounts=[{"account": "6222000011112222", "paid_fen": 1}])
    with app.state.desk.factory() as s:
        aid = s.scalar(select(CaseAccount.id).where(CaseAccount.case_id == other))
    browser.login("officer")
    assert (
        browser.post(f"/cases/{other}/accounts/{aid}/reveal", {"purpose": "办理止付"}).status_code
        == 404
    )
    leader = Browser(app)
    leader.login("leader")
    assert leader.post(f"/cases/{other}/reveal", {"purpose": "看看号码"}).status_code == 403


def test_every_word_of_the_case_templates_is_translated() -> None:
    from pathlib import Path

    from fanzha.web.i18n import translator

    folder = Path(__file__).resolve().parents[3] / "src" / "fanzha" / "web" / "templates"
    keys: set[str] = set()
    for name in ("cases.html", "case_new.html", "case_detail.html"):
        keys |= set(re.findall(r"\bt\('([a-z_.]+)'\)", (folder / name).read_text(encoding="utf-8")))
    keys |= {f"step.{s}" for s in ("stop", "freeze", "return")}
    zh, en = translator("zh"), translator("en")
    missing = sorted(k for k in keys if zh(k) == k or not en(k))  # Chinese always differs
    assert not missing
    assert len(keys) > 30
