"""Keyword-only database functions for users, passwords (argon2) and API keys."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, func, or_, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from fanzha.errors import ConflictError, NotFoundError, WorkflowError
from fanzha.workflow.clock import utc_now
from fanzha.workflow.roles import STATION_ROLES, Principal, Role, api_principal
from fanzha.workflow.user.models import ApiKey, User, UserCreate

logger = logging.getLogger(__name__)
_HASHER = PasswordHasher()
# A hash to verify against when the user does not exist, so timing does not reveal names.
_DUMMY_HASH = _HASHER.hash("not-a-real-password-0")
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def hash_password(password: str) -> str:
    """An argon2id hash of ``password``."""
    return _HASHER.hash(password)


def check_password(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches ``password_hash``."""
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def create(*, session: Session, data: UserCreate) -> User:
    """Add a user; station roles need a station."""
    if data.role in STATION_ROLES and not data.station_code:
        raise WorkflowError("station officers and grid workers need a station", role=data.role)
    if session.scalar(select(User.id).where(User.username == data.username)) is not None:
        raise ConflictError("user name already taken", username=data.username)
    user = User(
        username=data.username,
        display_name=data.display_name,
        role=data.role.value,
        station_code=data.station_code if data.role in STATION_ROLES else None,
        password_hash=hash_password(data.password),
        capacity=data.capacity,
        active=True,
        on_duty=True,
        auth_epoch=1,
    )
    session.add(user)
    session.flush()
    return user


def get(*, session: Session, user_id: int) -> User:
    """The user with ``user_id`` or :class:`NotFoundError`."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFoundError("no such user", user=user_id)
    return user


def get_by_username(*, session: Session, username: str) -> User | None:
    """The user called ``username``, if any."""
    return session.scalar(select(User).where(User.username == username))


def authenticate(
    *, session: Session, username: str, password: str, now: dt.datetime
) -> User | None:
    """The active user with this name and password, or ``None``; rehashes old argon2 params."""
    user = get_by_username(session=session, username=username)
    if user is None or not user.active:
        check_password(_DUMMY_HASH, password)
        return None
    if not check_password(user.password_hash, password):
        return None
    if _HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = now
    return user


def set_password(*, session: Session, user_id: int, password: str) -> User:
    """Change a password and end the user's sessions."""
    if len(password) < 10:
        raise WorkflowError("password must have at least 10 characters")
    user = get(session=session, user_id=user_id)
    user.password_hash = hash_password(password)
    user.auth_epoch += 1
    return user


def list_all(*, session: Session) -> list[User]:
    """All users ordered by role and name."""
    return list(session.scalars(select(User).order_by(User.role, User.username)))


def count_by_role(*, session: Session) -> dict[str, int]:
    """How many active users each role has."""
    rows = session.execute(
        select(User.role, func.count()).where(User.active.is_(True)).group_by(User.role)
    )
    return {role: int(n) for role, n in rows}


def create_api_key(
    *, session: Session, name: str, scopes: list[str], station_code: str | None = None
) -> tuple[ApiKey, str]:
    """A new API key and its secret (shown once): ``fz_<prefix>_<secret>``."""
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(24)
    key = ApiKey(
        name=name,
        prefix=prefix,
        key_hash=_digest(secret),
        scopes=sorted(set(scopes)),
        station_code=station_code,
        active=True,
    )
    session.add(key)
    session.flush()
    return key, f"fz_{prefix}_{secret}"


def principal_for_api_key(*, session: Session, token: str) -> Principal | None:
    """The principal of a presented API key, or ``None`` when it is unknown or inactive."""
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != "fz":
        return None
    key = session.scalar(select(ApiKey).where(ApiKey.prefix == parts[1]))
    if key is None or not key.active or key.revoked_at is not None:
        return None
    if not hmac.compare_digest(key.key_hash, _digest(parts[2])):
        return None
    _touch(session, key, utc_now())
    return api_principal(key.id, key.name, list(key.scopes), key.station_code)


def _touch(session: Session, key: ApiKey, now: dt.datetime) -> None:
    """Record the key's last use, to the minute: at most one small write per key and minute,
    committed on its own connection (the request's session may never commit)."""
    if key.last_used_at is not None and now - key.last_used_at < LAST_USED_RESOLUTION:
        return
    stale = now - LAST_USED_RESOLUTION
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    try:
        with engine.connect() as conn:
            conn.execute(
                update(ApiKey)
                .where(ApiKey.id == key.id)
                .where(or_(ApiKey.last_used_at.is_(None), ApiKey.last_used_at < stale))
                .values(last_used_at=now)
            )
            conn.commit()
    except SQLAlchemyError:  # informational only: a busy database must not fail the request
        logger.warning("could not record the last use of API key %s", key.id, exc_info=True)


def list_api_keys(*, session: Session) -> list[ApiKey]:
    """All API keys, newest first (revoked ones too, marked)."""
    return list(session.scalars(select(ApiKey).order_by(ApiKey.id.desc())))


def revoke_api_key(*, session: Session, key_id: int, by: str, now: dt.datetime) -> ApiKey:
    """Revoke a key: it is refused (401) from the next request on; revoking is final."""
    key = session.get(ApiKey, key_id)
    if key is None:
        raise NotFoundError("no such API key", key=key_id)
    if key.revoked_at is not None:
        raise ConflictError("the API key is already revoked", key=key_id)
    key.revoked_at, key.revoked_by, key.active = now, by, False
    session.flush()
    return key


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def officers_of(*, session: Session, station: str) -> list[User]:
    """Active on-duty station officers of ``station``."""
    query = select(User).where(
        User.station_code == station,
        User.role == Role.STATION_OFFICER.value,
        User.active.is_(True),
        User.on_duty.is_(True),
    )
    return list(session.scalars(query.order_by(User.id)))
