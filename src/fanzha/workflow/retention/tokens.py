"""Placeholders for purged people, shared by their warnings and cases (see models.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import delete, exists, select
from sqlalchemy.orm import Session

from fanzha.workflow.case.models import Case
from fanzha.workflow.retention.models import PurgeToken
from fanzha.workflow.retention.scrub import is_placeholder, new_token
from fanzha.workflow.warning.models import EarlyWarning

__all__ = ["Tokens", "release"]


class Tokens:
    """The placeholders a batch needs: looked up in two queries, new ones added together."""

    def __init__(
        self,
        *,
        session: Session,
        now: dt.datetime,
        resident_ids: Iterable[str | None],
        phones: Iterable[int | None],
    ) -> None:
        self.session, self.now = session, now
        ids = sorted({r for r in resident_ids if r is not None and not is_placeholder(r)})
        keys = sorted({p for p in phones if p is not None})
        t = PurgeToken
        found = session.execute(
            select(t.resident_id, t.phone, t.token).where(
                t.resident_id.in_(ids) | t.phone.in_(keys)
            )
        )
        self.by_resident: dict[str, str] = {}
        self.by_phone: dict[int, str] = {}
        for resident_id, phone, token in found:
            if resident_id is not None:
                self.by_resident[resident_id] = token
            if phone is not None:
                self.by_phone[phone] = token

    def for_resident(self, resident_id: str, phone: int | None) -> str:
        """The person's placeholder, created on first use (also claimed for the phone if free)."""
        if is_placeholder(resident_id):
            return resident_id
        if resident_id in self.by_resident:
            return self.by_resident[resident_id]
        token = new_token()
        claimed = phone if phone is not None and phone not in self.by_phone else None
        self._add(resident_id, claimed, token)
        return token

    def for_phone(self, phone: int) -> str:
        """The placeholder of whoever had this phone (a case that names no resident)."""
        if phone in self.by_phone:
            return self.by_phone[phone]
        token = new_token()
        self._add(None, phone, token)
        return token

    def _add(self, resident_id: str | None, phone: int | None, token: str) -> None:
        if resident_id is not None:
            self.by_resident[resident_id] = token
        if phone is not None:
            self.by_phone[phone] = token
        self.session.add(
            PurgeToken(resident_id=resident_id, phone=phone, token=token, created_at=self.now)
        )


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
