"""Server-rendered pages: one Jinja2 environment and the context every page gets."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from fanzha.core import phone
from fanzha.web.i18n import LANGUAGES, translator
from fanzha.workflow.roles import ROLE_PERMISSIONS, Permission, Role
from fanzha.workflow.warning.sla import format_remaining

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))
TEMPLATES.env.auto_reload = False  # packaged templates: no stat() of each file per render
LANG_COOKIE = "fz_lang"


def language(request: Request) -> str:
    """The UI language: the ``fz_lang`` cookie, else the configured default."""
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in LANGUAGES:
        return chosen
    return str(request.app.state.desk.settings.default_language)


def _masked(key: int | None) -> str:
    return phone.mask(key) if key else "—"


def _remaining(due: dt.datetime | None, now: dt.datetime) -> str:
    return format_remaining(None if due is None else due - now)


def _yuan(fen: int | None) -> str:
    return f"{(fen or 0) / 100:,.2f}"


def render(
    request: Request, template: str, context: dict[str, Any], status_code: int = 200
) -> HTMLResponse:
    """Render ``template`` with the common context (language, user, CSRF token, helpers)."""
    lang = language(request)
    user = getattr(request.state, "user", None)
    session = getattr(request.state, "session", None)
    perms = ROLE_PERMISSIONS[Role(user.role)] if user is not None else frozenset()
    desk = request.app.state.desk
    base = {
        "lang": lang,
        "t": translator(lang),
        "user": user,
        "perms": {p.value for p in perms},
        "P": Permission,
        "csrf": session.csrf if session is not None else "",
        "now": desk.clock(),
        "masked": _masked,
        "remaining": _remaining,
        "yuan": _yuan,
    }
    return TEMPLATES.TemplateResponse(request, template, {**base, **context}, status_code)
