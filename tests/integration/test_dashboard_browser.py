"""The dashboard in real headless Chromium: a leader opens it, ECharts draws every chart.

Needs the vendored ECharts (``make assets``). Without it the test skips — except under
``make test``/CI (``FANZHA_REQUIRE_ASSETS=1`` or ``CI`` set), where ``make`` fetched it, so a
missing file is a failure.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from typing import Any

import pytest
from argon2 import PasswordHasher
from playwright.sync_api import Browser, ConsoleMessage, Page, expect, sync_playwright
from sqlalchemy import func, select

from fanzha.settings import Settings
from fanzha.sim.history import HistoryConfig, simulate_history
from fanzha.store.database import make_engine, session_factory, upgrade
from fanzha.web import create_app
from fanzha.web.demo import seed_demo
from fanzha.web.pages.dashboard import ECHARTS
from fanzha.workflow.user import service as users
from fanzha.workflow.warning.models import EarlyWarning

pytestmark = [pytest.mark.integration, pytest.mark.browser]
PASSWORD = "demo-password-1"
NOW = dt.datetime(2026, 3, 20, 10, 0, 0)
CHARTS = 7  # trend, 3 breakdowns, station ranking, 2 heat maps


def _require_echarts() -> None:
    if ECHARTS.is_file():
        return
    if os.environ.get("FANZHA_REQUIRE_ASSETS") or os.environ.get("CI"):
        pytest.fail(f"{ECHARTS} is missing although make should have fetched it (make assets)")
    pytest.skip("ECharts is not installed (run make assets); make test and CI always run this")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, live_server: Any) -> Iterator[dict[str, Any]]:
    _require_echarts()
    saved = users._HASHER
    users._HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    url = f"sqlite:///{tmp_path_factory.mktemp('dash') / 'desk.db'}"
    engine = make_engine(url)
    upgrade(url)
    simulate_history(engine, HistoryConfig(residents=20_000, months=3, seed=3, end=NOW))
    factory = session_factory(engine)
    seed_demo(factory, jurisdictions=[], password=PASSWORD, now=NOW)
    app = create_app(Settings(database_url=url), engine=engine, clock=lambda: NOW)
    with factory() as s:
        march = select(func.count()).where(
            EarlyWarning.warned_at >= dt.datetime(2026, 3, 1), EarlyWarning.warned_at < NOW
        )
        expected = int(s.scalar(march.select_from(EarlyWarning)) or 0)
    with live_server(app) as server:
        yield {"url": server.url, "march_warnings": expected}
    users._HASHER = saved


@pytest.fixture(scope="module")
def browser(chromium_path: str, chromium_args: list[str]) -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path, args=chromium_args)
        yield b
        b.close()


def test_browser_leader_dashboard_draws_charts_and_figures(
    site: dict[str, Any], browser: Browser
) -> None:
    page = browser.new_context().new_page()
    problems: list[str] = []
    page.on("console", lambda m: _collect(m, problems))
    page.on("response", lambda r: r.status >= 400 and problems.append(f"{r.status} {r.url}"))
    page.goto(f"{site['url']}/login")
    page.fill("input[name=username]", "leader")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_load_state()
    page.click("nav a[href='/dashboard']")
    page.wait_for_load_state()
    _wait_for_charts(page)
    assert page.locator(".chart canvas").count() >= CHARTS
    value = page.locator("[data-kpi=warnings] .kpi-value").inner_text()
    assert int(value.replace(",", "")) == site["march_warnings"] > 0
    assert "%" in page.locator("[data-kpi=accuracy] .kpi-value").inner_text()
    assert page.locator("#simulated").is_visible()
    assert page.locator("#ranking-table tbody tr").count() >= 3
    assert [p for p in problems if not p.endswith("/favicon.ico")] == []  # no CSP violations


def test_browser_dashboard_filters_reload_figures(site: dict[str, Any], browser: Browser) -> None:
    page = browser.new_context().new_page()
    page.goto(f"{site['url']}/login")
    page.fill("input[name=username]", "leader")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit].primary")
    page.goto(f"{site['url']}/dashboard")
    total = int(page.locator("[data-kpi=warnings] .kpi-value").inner_text().replace(",", ""))
    page.select_option("#dash-filters select[name=station]", "S01")
    page.click("#dash-filters button[type=submit]")
    page.wait_for_load_state()
    assert "station=S01" in page.url
    one = int(page.locator("[data-kpi=warnings] .kpi-value").inner_text().replace(",", ""))
    assert 0 < one < total
    _wait_for_charts(page)


def _wait_for_charts(page: Page) -> None:
    """Every chart box drawn (the page's CSP forbids eval, so no wait_for_function)."""
    expect(page.locator('[data-rendered="1"]')).to_have_count(CHARTS, timeout=20_000)
    expect(page.locator("[data-error]")).to_have_count(0)


def _collect(message: ConsoleMessage, problems: list[str]) -> None:
    # a failed load is reported with its URL by the response hook (only /favicon.ico may 404)
    if message.type in ("error", "warning") and not message.text.startswith("Failed to load"):
        problems.append(message.text)
