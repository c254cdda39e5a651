"""Session cookies, CSRF tokens and login throttling for the desk.

The session cookie is signed and time-stamped (itsdangerous) and holds the user id, the
user's ``auth_epoch`` (raising it ends every session of the user) and a CSRF token. Forms carry
the token in a hidden field; API calls authenticated by the cookie carry it in
``X-CSRF-Token``. Partner systems use API keys instead and need no CSRF token.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.orm import Session, sessionmaker

from fanzha.workflow.clock import utc_now
from fanzha.workflow.user import throttle

COOKIE = "fz_session"


@dataclass(frozen=True)
class SessionData:
    """What the session cookie holds."""

    uid: int | None
    epoch: int
    csrf: str


class SessionCodec:
    """Signs and reads session cookies."""

    def __init__(self, secret_key: str, max_age_s: int) -> None:
        self._serializer = URLSafeTimedSerializer(secret_key, salt="fanzha-desk-session")
        self.max_age_s = max_age_s

    def dumps(self, data: SessionData) -> str:
        """The cookie value for ``data``."""
        return self._serializer.dumps({"u": data.uid, "e": data.epoch, "c": data.csrf})

    def loads(self, value: str | None) -> SessionData | None:
        """The session in a cookie value, or ``None`` if absent, forged or expired."""
        if not value:
            return None
        try:
            raw = self._serializer.loads(value, max_age=self.max_age_s)
        except BadSignature:
            return None
        if not isinstance(raw, dict) or not isinstance(raw.get("c"), str):
            return None
        uid = raw.get("u")
        return SessionData(uid if isinstance(uid, int) else None, int(raw.get("e") or 0), raw["c"])


def new_session(uid: int | None = None, epoch: int = 0) -> SessionData:
    """A session with a fresh CSRF token."""
    return SessionData(uid=uid, epoch=epoch, csrf=secrets.token_urlsafe(24))


def csrf_matches(expected: str, given: str | None) -> bool:
    """Constant-time comparison of CSRF tokens."""
    return bool(given) and hmac.compare_digest(expected, str(given))


class LoginThrottle:
    """Counts failed logins per key (user name, client address) in a sliding window.

    The counter is the workflow database's ``login_failures`` table, so every server process
    (uvicorn worker) sees the same failures. Each call is one short transaction of its own.
    """

    def __init__(
        self,
        factory: sessionmaker[Session],
        max_failures: int,
        window_s: float,
        clock: Callable[[], dt.datetime] = utc_now,
    ) -> None:
        self.factory = factory
        self.max_failures = max_failures
        self.window = dt.timedelta(seconds=window_s)
        self.clock = clock

    def blocked(self, *keys: str) -> bool:
        """Whether any key has reached the limit within the window."""
        with self.factory() as session:
            counts = throttle.failures_since(
                session=session, keys=keys, since=self.clock() - self.window
            )
        return any(n >= self.max_failures for n in counts.values())

    def fail(self, *keys: str) -> None:
        """Record a failed attempt for every key (and purge failures older than the window)."""
        now = self.clock()
        with self.factory.begin() as session:
            throttle.record_failure(
                session=session, keys=keys, at=now, purge_before=now - self.window
            )

    def succeed(self, *keys: str) -> None:
        """Forget the failures of the keys (a successful login clears the user's failures)."""
        with self.factory.begin() as session:
            throttle.clear(session=session, keys=keys)
