"""Login, sessions, CSRF and throttling."""

from __future__ import annotations

from tests.unit.web.support import Browser


def test_login_sets_httponly_session_and_redirects(browser: Browser) -> None:
    response = browser.login("officer")
    assert response.status_code == 303 and response.headers["location"] == "/queue"
    cookie = response.headers["set-cookie"]
    assert "fz_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie


def test_login_wrong_password_is_refused(browser: Browser) -> None:
    response = browser.login("officer", "wrong-password-123")
    assert response.status_code == 401 and "用户名或密码错误" in response.text
    assert browser.client.get("/queue").status_code == 303  # still not logged in


def test_login_is_throttled_after_repeated_failures(browser: Browser) -> None:
    for _ in range(3):
        browser.login("officer", "wrong-password-123")
    response = browser.login("officer")  # right password, but locked out
    assert response.status_code == 429


def test_form_post_without_csrf_token_is_rejected(browser: Browser) -> None:
    browser.login("supervisor")
    response = browser.client.post("/logout", data={"csrf_token": "forged"})
    assert response.status_code == 403
    assert browser.client.get("/queue").status_code == 200  # session survived


def test_login_without_csrf_token_is_rejected(browser: Browser) -> None:
    response = browser.client.post("/login", data={"username": "officer", "password": "x" * 12})
    assert response.status_code == 403


def test_logout_ends_session(browser: Browser) -> None:
    browser.login("officer")
    assert browser.post("/logout").status_code == 303
    assert browser.client.get("/queue").status_code == 303


def test_login_next_ignores_offsite_targets(browser: Browser) -> None:
    page = browser.client.get("/login?next=//evil.example/x")
    assert "//evil.example" not in page.text


def test_english_can_be_chosen(browser: Browser) -> None:
    browser.client.get("/lang/en")
    assert "Log in" in browser.client.get("/login").text
