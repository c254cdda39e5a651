"""The publicity event form in real headless Chromium on a 390 px phone: a team leader (grid
worker) records a market-day event with a dissuaded person, a refused entry keeps what was
typed, and the page never needs sideways scrolling; nor does the volunteer roster."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from playwright.sync_api import Browser, Page, expect, sync_playwright
from sqlalchemy import select

from fanzha.settings import Settings
from fanzha.store.database import make_engine, session_factory, upgrade
from fanzha.web import create_app
from fanzha.web.demo import seed_demo
from fanzha.workflow.campaign.models import EventFinding, PublicityEvent
from fanzha.workflow.user import service as users
from fanzha.workflow.volunteer.importer import import_volunteers
from fanzha.workflow.warning.models import EarlyWarning

pytestmark = [pytest.mark.integration, pytest.mark.browser]
PASSWORD = "demo-password-1"
NOW = dt.datetime(2026, 3, 20, 10, 0, 0)
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "volunteers.csv"
JURISDICTIONS = [
    {"community": "C1", "community_name": "一社区", "station": "S1", "station_name": "一所"},
    {"community": "C2", "community_name": "二社区", "station": "S2", "station_name": "二所"},
]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, live_server: Any) -> Iterator[dict[str, Any]]:
    saved = users._HASHER
    users._HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    url = f"sqlite:///{tmp_path_factory.mktemp('publicity') / 'desk.db'}"
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
    page = browser.new_context(**PHONE).new_page()
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_load_state()
    return page


def _fits(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 392, width


def test_browser_team_leader_records_an_event_on_a_phone(
    site: dict[str, Any], browser: Browser
) -> None:
    base = site["url"]
    page = _login(browser, base, "grid")
    page.click("nav a[href='/campaigns']")
    page.click("a[href='/publicity/event']")
    expect(page.locator("h1")).to_contain_text("登记宣传")
    _fits(page)
    submit = page.locator("#event-form button[type=submit]")
    box = submit.bounding_box()
    assert box is not None and box["height"] >= 44 and box["width"] <= 390  # a thumb target
    page.locator("label:has(input[value=market])").tap()
    page.fill("input[name=place]", "城关集市")
    page.fill("input[name=leaflets]", "-5")  # refused: entries kept
    page.fill("input[name=reached]", "420")
    page.select_option("select[name=f0_kind]", "dissuaded")
    page.select_option("select[name=f0_type]", "fake_investment")
    page.fill("input[name=f0_phone]", "13933334444")
    page.evaluate("document.querySelector('input[name=leaflets]').removeAttribute('min')")
    submit.tap()
    expect(page.locator("[role=alert]")).to_be_visible()
    expect(page.locator("input[name=place]")).to_have_value("城关集市")
    expect(page.locator("input[name=f0_phone]")).to_have_value("13933334444")
    _fits(page)
    page.fill("input[name=leaflets]", "350")
    page.fill("input[name=consultations]", "40")
    page.locator("#event-form button[type=submit]").tap()
    page.wait_for_load_state()
    expect(page.locator("[role=status]")).to_contain_text("已保存")
    row = page.locator("#events tr[data-event]").first
    expect(row).to_contain_text("城关集市")
    expect(row).to_contain_text("现场劝阻")
    expect(page.locator("#events")).not_to_contain_text("13933334444")
    _fits(page)
    with site["factory"]() as s:
        event = s.scalar(select(PublicityEvent).where(PublicityEvent.place == "城关集市"))
        assert event is not None
        assert (event.kind, event.station, event.leaflets, event.reached) == (
            "market",
            "S1",
            350,
            420,
        )
        finding = s.scalar(select(EventFinding).where(EventFinding.event_id == event.id))
        assert finding is not None and finding.warning_id is not None
        lead = s.get(EarlyWarning, finding.warning_id)
        assert lead is not None and (lead.source, lead.outcome) == ("publicity", "dissuaded")


def test_browser_roster_fits_a_phone(
    site: dict[str, Any], browser: Browser, tmp_path: Path
) -> None:
    import_volunteers(EXAMPLE, factory=site["factory"], now=NOW, quarantine_dir=tmp_path)
    page = _login(browser, site["url"], "grid")
    page.click("nav a[href='/campaigns']")
    page.click("#publicity-nav a[href='/volunteers']")
    expect(page.locator("h1")).to_contain_text("志愿者名册")
    roster = page.locator("#roster")
    expect(roster).to_contain_text("张伟")
    expect(roster).to_contain_text("138****5601")
    expect(roster).not_to_contain_text("王芳")  # another station's
    expect(page.locator("body")).not_to_contain_text("13812345601")
    _fits(page)
