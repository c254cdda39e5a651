"""End to end in real headless Chromium: login, queue, detail, outcome, scoping, SLA breach."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from typing import Any

import pytest
from argon2 import PasswordHasher
from playwright.sync_api import Browser, Page, sync_playwright

from fanzha.settings import Settings
from fanzha.store.database import make_engine, session_factory, upgrade
from fanzha.web import create_app
from fanzha.web.demo import seed_demo
from fanzha.workflow.user import service as users
from fanzha.workflow.warning.models import EarlyWarning

pytestmark = [pytest.mark.integration, pytest.mark.browser]
PASSWORD = "demo-password-1"
START = dt.datetime(2026, 3, 2, 10, 0, 0)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> dt.datetime:
        return self.now


def _warning(n: int, community: str, level: int, **kw: Any) -> EarlyWarning:
    values: dict[str, Any] = {
        "resident_id": f"E{n}",
        "phone": 8613900000000 + n,
        "community": community,
        "station": None,
        "episode_start": START,
        "warned_at": START,
        "last_signal_at": START,
        "level": level,
        "level_history": [{"at": START.isoformat(), "level": level}],
        "fraud_type": "impersonate_police",
        "score": 8.0,
        "n_signals": 2,
        "reasons": [
            {
                "kind": "fraud_call",
                "time": "2026-03-02T09:30:00",
                "weight": 4.0,
                "fraud_type": "impersonate_police",
                "evidence": "与涉诈号码通话 420 秒",
            },
            {
                "kind": "remote_app",
                "time": "2026-03-02T09:45:00",
                "weight": 5.0,
                "fraud_type": "impersonate_police",
                "evidence": "安装屏幕共享应用",
            },
        ],
        "rules_version": "v1",
        "engine": "duckdb",
        "source": "detection",
        "status": "new",
    }
    values.update(kw)
    return EarlyWarning(**values)


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory, live_server: Any) -> Iterator[dict[str, Any]]:
    saved = users._HASHER  # production argon2 cost makes each login slow on a shared CPU
    users._HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    url = f"sqlite:///{tmp_path_factory.mktemp('e2e') / 'desk.db'}"
    engine = make_engine(url)
    upgrade(url)
    factory = session_factory(engine)
    with factory.begin() as s:
        s.add_all(
            [_warning(1, "C1", 3), _warning(2, "C2", 3), _warning(3, "C1", 4), _warning(4, "C1", 2)]
        )
    rows = [
        {"community": "C1", "station": "S1", "station_name": "一所", "community_name": "甲"},
        {"community": "C2", "station": "S2", "station_name": "二所", "community_name": "乙"},
    ]
    clock = Clock()
    seed_demo(factory, jurisdictions=rows, password=PASSWORD, now=START)
    settings = Settings(database_url=url, desk_tick_seconds=0.2)
    app = create_app(settings, engine=engine, clock=clock)
    with live_server(app) as server:
        yield {"url": server.url, "clock": clock, "factory": factory}
    users._HASHER = saved


@pytest.fixture(scope="module")
def browser(chromium_path: str, chromium_args: list[str]) -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path, args=chromium_args)
        yield b
        b.close()


def _login(browser: Browser, base: str, user: str, **context: Any) -> Page:
    page = browser.new_context(**context).new_page()
    page.goto(f"{base}/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_load_state()
    return page


def _id_of(desk: dict[str, Any], resident: str) -> int:
    with desk["factory"]() as s:
        w = s.query(EarlyWarning).filter_by(resident_id=resident).one()
        return int(w.id)


def test_browser_officer_queue_detail_and_outcome(desk: dict[str, Any], browser: Browser) -> None:
    page = _login(browser, desk["url"], "officer_s1")
    assert page.url.endswith("/queue")
    rows = page.locator("#queue tbody tr")
    ids = [int(rows.nth(i).get_attribute("data-id") or 0) for i in range(rows.count())]
    assert ids[0] == _id_of(desk, "E3")  # emergency first
    assert _id_of(desk, "E2") not in ids  # station S2's warning is not listed
    page.click(f"#queue a[href='/warnings/{_id_of(desk, 'E1')}']")
    assert "安装屏幕共享应用" in page.locator("#timeline").inner_text()
    assert "139****0001" in page.locator("#phone").inner_text()
    page.click("#sign")
    page.wait_for_load_state()
    page.select_option("#outcome-form select[name=category]", "dissuaded")
    page.fill("#outcome-form input[name=amount_saved]", "30000")
    page.fill("#outcome-form textarea[name=note]", "当面劝阻成功")
    page.click("#submit-outcome")
    page.wait_for_load_state()
    assert "已结" in page.locator("#status").inner_text()
    assert "当面劝阻成功" in page.locator("#outcomes").inner_text()


def test_browser_station_scoping_hides_other_station(
    desk: dict[str, Any], browser: Browser
) -> None:
    page = _login(browser, desk["url"], "officer_s1")
    response = page.goto(f"{desk['url']}/warnings/{_id_of(desk, 'E2')}")
    assert response is not None and response.status == 404
    assert "未找到" in page.content()


def test_browser_concurrent_outcome_shows_conflict(desk: dict[str, Any], browser: Browser) -> None:
    wid = _id_of(desk, "E4")
    first = _login(browser, desk["url"], "officer_s1")
    second = _login(browser, desk["url"], "operator")
    for page in (first, second):
        page.goto(f"{desk['url']}/warnings/{wid}")
        page.select_option("#outcome-form select[name=category]", "mismatch")
        page.fill("#outcome-form textarea[name=note]", f"note by {page is first}")
    first.click("#submit-outcome")
    first.wait_for_load_state()
    second.click("#submit-outcome")
    second.wait_for_load_state()
    assert "冲突" in second.locator("#form-error").inner_text()
    assert second.locator("#outcome-form textarea[name=note]").input_value() == "note by False"


def test_browser_sla_breach_reaches_supervisor(desk: dict[str, Any], browser: Browser) -> None:
    desk["clock"].now = START + dt.timedelta(minutes=30)  # past the emergency sign-for limit
    time.sleep(1.0)  # a few desk ticks
    page = _login(browser, desk["url"], "supervisor")
    page.goto(f"{desk['url']}/supervise")
    overdue = page.locator("#overdue").inner_text()
    assert str(_id_of(desk, "E3")) in overdue
    assert "超期未劝阻" in page.locator("#inbox").inner_text()


def test_browser_officer_view_fits_a_phone(desk: dict[str, Any], browser: Browser) -> None:
    page = _login(
        browser, desk["url"], "officer_s1", viewport={"width": 390, "height": 844}, is_mobile=True
    )
    assert page.locator("#queue thead").evaluate("e => getComputedStyle(e).display") == "none"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, width
