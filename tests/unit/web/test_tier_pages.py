"""The desk shows each warning's tier with its reasons, and filters the queue by tier."""

from __future__ import annotations

from fastapi import FastAPI

from tests.unit.web.support import Browser, add_warning


def test_tier_detail_shows_tier_and_reasons(app: FastAPI, browser: Browser) -> None:
    wid = add_warning(app, community="C1", level=4)
    browser.login("officer")
    page = browser.client.get(f"/warnings/{wid}").text
    assert 'id="tier"' in page and "一对一" in page
    assert "无受骗模型：级别 紧急" in page  # the reason, in words
    english = browser.client.get("/lang/en", follow_redirects=True)
    assert english.status_code == 200
    assert "no victim model: level" in browser.client.get(f"/warnings/{wid}").text


def test_tier_queue_filter(app: FastAPI, browser: Browser) -> None:
    urgent = add_warning(app, community="C1", level=4)
    medium = add_warning(app, community="C1", level=2)
    browser.login("officer")
    page = browser.client.get("/queue?tier=one_to_one").text
    assert f'data-id="{urgent}"' in page and f'data-id="{medium}"' not in page
    page = browser.client.get("/queue?tier=automated").text
    assert f'data-id="{medium}"' in page and f'data-id="{urgent}"' not in page
