"""FastAPI dependencies, as ``Annotated`` aliases: database session, principal, CSRF, clock."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from fanzha.errors import PermissionDeniedError
from fanzha.web.security import COOKIE, SessionData, csrf_matches, new_session
from fanzha.web.state import DeskState
from fanzha.workflow.roles import Principal, Role, user_principal
from fanzha.workflow.user import service as users
from fanzha.workflow.user.models import User


@dataclass(frozen=True)
class UserView:
    """What pages show of the logged-in user (safe to use after a rollback)."""

    id: int
    username: str
    display_name: str
    role: str
    station_code: str | None


class LoginRequiredError(Exception):
    """No valid session: pages redirect to the login form, the API answers 401."""


# Dependencies that do not block are ``async``: FastAPI runs every plain ``def`` dependency in
# the thread pool, and each hop there costs a thread switch (and, under load, a wait for the
# GIL). Only the user lookup and the endpoints themselves run in threads.


async def get_desk(request: Request) -> DeskState:
    """The app's desk state."""
    desk: DeskState = request.app.state.desk
    return desk


Desk = Annotated[DeskState, Depends(get_desk)]


async def get_db(desk: Desk) -> AsyncIterator[Session]:
    """A session for the request. Endpoints that write call ``db.commit()`` themselves before
    answering, so a failed commit is an error response, never a silent loss.

    Creating a session does not touch the database (it connects on first use, in the
    endpoint's thread). Ending it returns the connection to the pool right here, on the event
    loop (a rollback of an idle connection, microseconds): if that waited for a free thread,
    connections held by finished requests could wait for threads held by requests waiting for
    a connection — a deadlock once the pool (5 + 10) is smaller than the requests in flight.
    """
    session = desk.factory()
    try:
        yield session
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


Db = Annotated[Session, Depends(get_db)]


async def get_now(desk: Desk) -> dt.datetime:
    """The desk's current (naive local) time."""
    return desk.clock()


Now = Annotated[dt.datetime, Depends(get_now)]


async def read_session(request: Request, desk: Desk) -> SessionData:
    """The request's session, or a fresh anonymous one (stored by the response hook)."""
    return session_of(request, desk)


def session_of(request: Request, desk: DeskState) -> SessionData:
    """:func:`read_session` for plain functions."""
    cached: SessionData | None = getattr(request.state, "session", None)
    if cached is not None:
        return cached
    data = desk.codec.loads(request.cookies.get(COOKIE)) or new_session()
    request.state.session = data
    return data


CurrentSession = Annotated[SessionData, Depends(read_session)]


def current_user(request: Request, db: Db, session: CurrentSession) -> User:
    """The logged-in, active user whose session epoch is still valid."""
    if session.uid is None:
        raise LoginRequiredError
    user = db.get(User, session.uid)
    if user is None or not user.active or user.auth_epoch != session.epoch:
        raise LoginRequiredError
    request.state.user = UserView(
        user.id, user.username, user.display_name, user.role, user.station_code
    )
    # Give the connection back before the endpoint's own thread hop (the user object stays
    # loaded, detached): a request holds a pooled connection only while a thread works for it.
    db.close()
    return user


CurrentUser = Annotated[User, Depends(current_user)]


async def page_principal(user: CurrentUser) -> Principal:
    """The principal of the logged-in user (pages)."""
    return user_principal(user.id, user.username, Role(user.role), user.station_code)


PagePrincipal = Annotated[Principal, Depends(page_principal)]


async def check_csrf(request: Request, session: CurrentSession) -> None:
    """Reject a form post whose CSRF token does not match the session's."""
    form = await request.form()
    token = form.get("csrf_token")
    if not csrf_matches(session.csrf, token if isinstance(token, str) else None):
        raise PermissionDeniedError("the form has expired or was not sent by this desk; reload")


Csrf = Annotated[None, Depends(check_csrf)]


def api_principal(request: Request, desk: Desk, db: Db) -> Principal:
    """An API caller: ``X-API-Key`` (partner) or the session cookie (+ ``X-CSRF-Token``)."""
    token = request.headers.get("x-api-key")
    if token:
        principal = users.principal_for_api_key(session=db, token=token)
        db.close()  # as in current_user: no pooled connection held across the thread hop
        if principal is None:
            raise LoginRequiredError
        return principal
    session = session_of(request, desk)
    user = current_user(request, db, session)
    if request.method not in ("GET", "HEAD") and not csrf_matches(
        session.csrf, request.headers.get("x-csrf-token")
    ):
        raise PermissionDeniedError("missing or wrong X-CSRF-Token header")
    return user_principal(user.id, user.username, Role(user.role), user.station_code)


ApiPrincipal = Annotated[Principal, Depends(api_principal)]
