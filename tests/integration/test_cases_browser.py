"""The case registry in real headless Chromium: an operator enters a case with its payee
account, files a late stop-payment and sees it in red; a station officer cannot open it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from argon2 import PasswordHasher
from playwright.sync_api import Browser, Page, expect, sync_playwright
from sqlalchemy import select

from fanzha.settings import Settings
from fanzha.store.database import make_engine, session_factory, upgrade
from fanzha.web import create_app
from fanzha.web.demo import seed_demo
from fanzha.workflow.case.models import Case, CaseAccount
from fanzha.workflow.user import service as users

pytestmark = [pytest.mark.integration, pytest.mark.browser]
PASSWORD = "demo-password-1"
NOW = dt.datetime(2026, 3, 20, 10, 0, 0)
JURISDICTIONS = [
    {"community": "C1", "community_name": "一社区", "station": "S1", "station_name": "一所"},
    {"community": "C2", "community_name": "二社区", "station": "S2", "station_name": "二所"},
]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, live_server: Any) -> Iterator[dict[str, Any]]:
    saved = users._HASHER
    users._HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    url = f"sqlite:///{tmp_path_factory.mktemp('cases') / 'desk.db'}"
    engine = make_engine(url)
    upgrade(url)
    factory = session_factory(engine)
    seed_demo(factory, jurisdictions=JURISDICTIONS, password=PASSWORD, now=NOW)
    settings = Settings(database_url=url, dashboard_warm_up=False)
    app = create_app(settings, engine=engine, clock=lambda: NOW)
    with live_server(app) as server:
        yield {"url": server.url, "factory": factory}
    users._HASHER = saved


@pytest.fixture(scope="module")
def browser(chromium_path: str, chromium_args: list[str]) -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path, args=chromium_args)
        yield b
        b.close()


def _login(browser: Browser, base: str, username: str) -> Page:
    page = browser.new_context().new_page()
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_load_state()
    return page


def test_browser_operator_enters_a_case_and_files_a_late_stop(
    site: dict[str, Any], browser: Browser
) -> None:
    base = site["url"]
    page = _login(browser, base, "operator")
    page.click("nav a[href='/cases']")
    page.goto(f"{base}/cases/new")
    page.fill("input[name=case_no]", "BR-1")
    page.fill("input[name=reported_at]", "2026-03-20T09:00")
    page.fill("input[name=phone]", "13912345678")
    page.select_option("select[name=station]", "S2")
    page.select_option("select[name=fraud_type]", "impersonate_police")
    page.fill("input[name=loss]", "50000")
    page.fill("input[name=account]", "6222 0000 1111 2222")
    page.fill("input[name=paid]", "60000")  # more than the loss: refused, entries kept
    page.click("main form[action='/cases/new'] button[type=submit]")
    expect(page.locator("[role=alert]")).to_contain_text("loss")
    expect(page.locator("input[name=account]")).to_have_value("6222 0000 1111 2222")
    page.fill("input[name=paid]", "50000")
    page.click("main form[action='/cases/new'] button[type=submit]")
    page.wait_for_load_state()
    expect(page.locator("h1")).to_contain_text("BR-1")
    expect(page.locator("#loss")).to_contain_text("50,000.00")
    row = page.locator("#accounts tr[data-account]")
    expect(row.locator("td.account")).not_to_contain_text("0000 1111")  # masked
    stop = page.locator("#accounts form[action$='/stop']")
    stop.locator("input[name=at]").fill("2026-03-20T09:45")
    stop.locator("input[name=amount]").fill("30000")
    stop.locator("button[type=submit]").click()
    page.wait_for_load_state()
    late = page.locator("#accounts td.stop .due.late")
    expect(late).to_contain_text("45")
    assert late.evaluate("e => getComputedStyle(e).color") != page.locator("h1").evaluate(
        "e => getComputedStyle(e).color"
    )
    expect(page.locator("#accounts")).to_contain_text("2026-03-22 09:45")  # receive-only end
    with site["factory"]() as s:
        case = s.scalar(select(Case).where(Case.case_no == "BR-1"))
        assert case is not None and (case.loss_fen, case.station) == (5_000_000, "S2")
        account = s.scalar(select(CaseAccount).where(CaseAccount.case_id == case.id))
        assert account is not None and account.stopped_fen == 3_000_000
    case_url = page.url
    officer = _login(browser, base, "officer_s1")
    response = officer.goto(case_url)
    assert response is not None and response.status == 404  # another station's: not disclosed
    expect(officer.locator("body")).not_to_contain_text("BR-1")
