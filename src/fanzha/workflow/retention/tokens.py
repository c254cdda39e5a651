"""Placeholders for purged people, shared by their warnings and cases (see models.py)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, exists, select
from sqlalchemy.orm import Session

from fanzha.workflow.case.models import Case
from fanzha.workflow.retention.models import PurgeToken
from fanzha.workflow.retention.scrub import is_placeholder, new_token
from fanzha.workflow.warning.models import EarlyWarning


def for_resident(*, session: Session, resident_id: str, phone: int | None, now: dt.datetime) -> str:
    """The person's placeholder, created on first use (also claimed for the phone if free)."""
    if is_placeholder(resident_id):
        return resident_id
    found = session.scalar(select(PurgeToken).where(PurgeToken.resident_id == resident_id))
    if found is not None:
        return found.token
    free_phone = phone if phone is not None and _by_phone(session, phone) is None else None
    token = new_token()
    session.add(PurgeToken(resident_id=resident_id, phone=free_phone, token=token, created_at=now))
    session.flush()
    return token


def for_phone(*, session: Session, phone: int, now: dt.datetime) -> str:
    """The placeholder of whoever had this phone (a case that names no resident)."""
    found = _by_phone(session, phone)
    if found is not None:
        return found.token
    token = new_token()
    session.add(PurgeToken(resident_id=None, phone=phone, token=token, created_at=now))
    session.flush()
    return token


def _by_phone(session: Session, phone: int) -> PurgeToken | None:
    return session.scalar(select(PurgeToken).where(PurgeToken.phone == phone))


def release(*, session: Session) -> int:
    """Delete tokens whose resident id and phone no unpurged warning or case still holds."""
    t = PurgeToken
    held = (
        exists().where(EarlyWarning.resident_id == t.resident_id),
        exists().where(Case.victim_resident_id == t.resident_id),
        exists().where(EarlyWarning.phone == t.phone),
        exists().where(Case.victim_phone == t.phone),
    )
    result = session.execute(delete(t).where(*(~h for h in held)))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
