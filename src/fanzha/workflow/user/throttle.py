"""The login throttle's counter in the workflow database, shared by every server process.

One row of ``login_failures`` per failed attempt and key (``user:<name>``, ``addr:<address>``).
A key is locked out while it has ``max_failures`` rows within the window. Rows older than the
window are purged whenever a failure is recorded (an index on ``at`` makes it a range
delete), so the table holds at most the failures of one window.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from fanzha.workflow.user.models import LoginFailure


def failures_since(*, session: Session, keys: Sequence[str], since: dt.datetime) -> dict[str, int]:
    """How many failures each key has had since ``since``."""
    query = (
        select(LoginFailure.key, func.count())
        .where(LoginFailure.key.in_(list(keys)), LoginFailure.at >= since)
        .group_by(LoginFailure.key)
    )
    return {key: int(n) for key, n in session.execute(query)}


def record_failure(
    *, session: Session, keys: Sequence[str], at: dt.datetime, purge_before: dt.datetime
) -> None:
    """Count one failure for every key, and purge rows older than ``purge_before``."""
    session.execute(delete(LoginFailure).where(LoginFailure.at < purge_before))
    session.add_all(LoginFailure(key=key, at=at) for key in keys)
    session.flush()


def clear(*, session: Session, keys: Sequence[str]) -> int:
    """Forget the failures of the keys; return how many rows went."""
    result = session.execute(delete(LoginFailure).where(LoginFailure.key.in_(list(keys))))
    return int(getattr(result, "rowcount", 0) or 0)
