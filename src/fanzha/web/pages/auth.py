"""Login, logout, language switch and the home redirect."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from fanzha.web.deps import CurrentSession, CurrentUser, Db, Desk, Now, check_csrf
from fanzha.web.i18n import LANGUAGES
from fanzha.web.render import LANG_COOKIE, render
from fanzha.web.security import new_session
from fanzha.workflow.roles import Role
from fanzha.workflow.user import service as users

router = APIRouter(include_in_schema=False)
HOME = {Role.ADMIN: "/admin/users", Role.LEADER: "/supervise"}


def safe_next(target: str | None, default: str = "/") -> str:
    """Only same-site relative paths are followed after login."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default


@router.get("/")
def home(user: CurrentUser) -> RedirectResponse:
    """Each role's landing page."""
    return RedirectResponse(HOME.get(Role(user.role), "/queue"), status_code=303)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, session: CurrentSession, next: str = "/") -> Response:
    """The login form (also issues the anonymous session that carries the CSRF token)."""
    return render(request, "login.html", {"next": safe_next(next), "error": None})


@router.post("/login", response_class=HTMLResponse)
async def login(
    request: Request,
    desk: Desk,
    db: Db,
    now: Now,
    session: CurrentSession,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=256)],
    next: Annotated[str, Form()] = "/",
) -> Response:
    """Check the password (argon2), throttle failures, start a fresh session."""
    await check_csrf(request, session)
    keys = (f"user:{username.lower()}", f"addr:{request.client.host if request.client else '?'}")
    # The throttle's counter is in the database: its calls run in the thread pool.
    if await run_in_threadpool(desk.throttle.blocked, *keys):
        return render(request, "login.html", {"next": next, "error": "throttled"}, 429)
    user = users.authenticate(session=db, username=username, password=password, now=now)
    if user is None:
        await run_in_threadpool(desk.throttle.fail, *keys)
        return render(request, "login.html", {"next": next, "error": "bad_login"}, 401)
    await run_in_threadpool(desk.throttle.succeed, *keys)
    db.commit()
    request.state.session = new_session(user.id, user.auth_epoch)
    request.state.session_changed = True
    target = safe_next(next, HOME.get(Role(user.role), "/queue"))
    return RedirectResponse(target if target != "/" else "/queue", status_code=303)


@router.post("/logout")
async def logout(request: Request, session: CurrentSession) -> RedirectResponse:
    """End the session (a new anonymous one replaces it)."""
    await check_csrf(request, session)
    request.state.session = new_session()
    request.state.session_changed = True
    return RedirectResponse("/login", status_code=303)


@router.get("/lang/{code}")
def switch_language(code: str, next: str = "/") -> RedirectResponse:
    """Switch the UI language (cookie)."""
    response = RedirectResponse(safe_next(next), status_code=303)
    if code in LANGUAGES:
        response.set_cookie(LANG_COOKIE, code, max_age=365 * 86400, samesite="lax")
    return response
