"""The login throttle's counter in the database: two processes (engines) share it."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from fanzha.store.database import make_engine, session_factory
from fanzha.web.security import LoginThrottle
from fanzha.workflow.user.models import LoginFailure
from tests.unit.workflow.support import NOW


def _pair(db_url: str, factory: sessionmaker[Session]) -> tuple[LoginThrottle, LoginThrottle]:
    other = session_factory(make_engine(db_url))  # another process's own engine and pool
    return LoginThrottle(factory, 3, 900, lambda: NOW), LoginThrottle(other, 3, 900, lambda: NOW)


def test_failures_counted_in_one_process_lock_out_in_another(
    db_url: str, factory: sessionmaker[Session]
) -> None:
    one, two = _pair(db_url, factory)
    user, addr = f"user:{uuid.uuid4().hex}", f"addr:{uuid.uuid4().hex}"
    one.fail(user, addr)
    two.fail(user, addr)
    assert not one.blocked(user) and not two.blocked(addr)
    one.fail(user)
    assert two.blocked(user) and two.blocked(f"addr:{uuid.uuid4().hex}", user)
    assert not two.blocked(addr)  # the address has 2
    two.succeed(user)
    assert not one.blocked(user)


def test_old_failures_do_not_count_and_are_purged(
    db_url: str, factory: sessionmaker[Session]
) -> None:
    one, two = _pair(db_url, factory)
    key = f"user:{uuid.uuid4().hex}"
    for _ in range(3):
        one.fail(key)
    two.clock = lambda: NOW + dt.timedelta(minutes=15, seconds=1)
    assert not two.blocked(key)
    two.fail(f"user:{uuid.uuid4().hex}")
    with factory() as s:
        left = s.scalar(select(func.count()).where(LoginFailure.key == key))
    assert left == 0
