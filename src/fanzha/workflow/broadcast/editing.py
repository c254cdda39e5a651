"""The desk's changes to a broadcast group: edit it, deactivate or reactivate it.

Behind ``broadcast_send`` (centre roles), audited in the same transaction as the change:
``broadcast_group.update`` (each changed field before → after; for the webhook and the
DingTalk secret only that they changed, never their values), ``broadcast_group.deactivate``
and ``broadcast_group.activate``. A deactivated group is left out of previews and pushes
(:func:`fanzha.notify.broadcast.groups` takes active groups only); its past broadcasts,
receipts and relays stay.

The edit form carries a fingerprint of the group as it was shown (:func:`fingerprint`): an
edit made from a form shown before someone else changed the group is refused; the same edit
submitted twice changes nothing the second time (no second audit record). Refusals carry
the field (``field=...``) and a word key (``reason=...``, ``fanzha.web.i18n``) for the form.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, update
from sqlalchemy.orm import Session

from fanzha.errors import ConflictError, NotFoundError, WorkflowError
from fanzha.notify import broadcast
from fanzha.notify.models import BroadcastGroup
from fanzha.workflow.audit.service import Entry, append_many
from fanzha.workflow.roles import Permission, Principal

__all__ = ["GroupEdit", "fingerprint", "get_group", "set_group_active", "update_group"]

# The fields an edit may change and show.
SHOWN = ("name", "area", "audience", "school", "grade", "community", "robot")


@dataclass(frozen=True)
class GroupEdit:
    """A group's fields as the edit form posts them; ``None`` webhook/secret keeps the old."""

    name: str
    area: str
    audience: str
    robot: str
    school: str | None = None
    grade: str | None = None
    community: str | None = None
    webhook_url: str | None = None
    secret: str | None = None
    seen: str = ""  # the fingerprint of the group the form was made from


def fingerprint(group: BroadcastGroup) -> str:
    """A short digest of the group's shown fields and state (not its webhook or secret)."""
    shown = [getattr(group, name) for name in SHOWN] + [bool(group.active)]
    text = json.dumps(shown, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def get_group(session: Session, group_id: int) -> BroadcastGroup:
    """The group, or :class:`NotFoundError`."""
    group = session.get(BroadcastGroup, group_id)
    if group is None:
        raise NotFoundError("no such group", group=group_id)
    return group


def _check_values(session: Session, group: BroadcastGroup, edit: GroupEdit) -> None:
    """The checks of every group (:func:`fanzha.notify.broadcast.check_group`) on the group
    as it would be after the edit, and those only an edit has: a new robot kind needs its
    own webhook."""
    if edit.robot != group.robot and edit.webhook_url is None:
        raise WorkflowError(
            "another robot needs its own webhook",
            field="webhook_url",
            reason="group_error.new_robot_webhook",
        )
    after = broadcast.GroupSpec(
        name=edit.name,
        area=edit.area,
        audience=edit.audience,
        robot=edit.robot,
        webhook_url=edit.webhook_url if edit.webhook_url is not None else group.webhook_url,
        secret=_secret_after(group, edit),
        school=edit.school,
        grade=edit.grade,
        community=edit.community,
    )
    broadcast.check_group(after)
    broadcast.check_name_free(session, edit.name, group.id)


def _changes(group: BroadcastGroup, edit: GroupEdit) -> dict[str, list[str | None]]:
    """Shown fields the edit changes: field → [before, after]."""
    return {
        name: [getattr(group, name), getattr(edit, name)]
        for name in SHOWN
        if getattr(group, name) != getattr(edit, name)
    }


def _secret_after(group: BroadcastGroup, edit: GroupEdit) -> str | None:
    if edit.robot != "dingtalk":
        return None  # a WeCom robot signs nothing
    return edit.secret or group.secret


def update_group(
    *, session: Session, principal: Principal, group_id: int, edit: GroupEdit, now: dt.datetime
) -> dict[str, Any]:
    """Change a group's fields; returns what was audited (empty: nothing to change).

    A form made before the group last changed is a :class:`ConflictError` (``field=seen``)."""
    principal.require(Permission.BROADCAST_SEND)
    group = get_group(session, group_id)
    changes = _changes(group, edit)
    webhook_changed = edit.webhook_url is not None and edit.webhook_url != group.webhook_url
    secret = _secret_after(group, edit)
    secret_changed = secret != group.secret
    if not (changes or webhook_changed or secret_changed):
        return {}  # e.g. the same edit submitted again
    if edit.seen != fingerprint(group):
        raise ConflictError(
            "the group was changed meanwhile; check it and save again",
            field="seen",
            reason="group_error.stale",
        )
    _check_values(session, group, edit)
    for name in SHOWN:
        setattr(group, name, getattr(edit, name))
    if edit.webhook_url is not None:
        group.webhook_url = edit.webhook_url
    group.secret = secret
    session.flush()
    detail: dict[str, Any] = {
        "actor": principal.label,
        "changes": changes,
        "webhook_changed": webhook_changed,
        "secret_changed": secret_changed,
    }
    _audit(session, principal, "broadcast_group.update", group.id, now, detail)
    return detail


def set_group_active(
    *, session: Session, principal: Principal, group_id: int, active: bool, now: dt.datetime
) -> bool:
    """Deactivate or reactivate a group; False if it was so already (nothing audited).

    A conditional update, so two people doing it at once record it once."""
    principal.require(Permission.BROADCAST_SEND)
    group = get_group(session, group_id)
    statement = (
        update(BroadcastGroup)
        .where(BroadcastGroup.id == group_id, BroadcastGroup.active.is_(not active))
        .values(active=active)
        .execution_options(synchronize_session=False)
    )
    result = cast(CursorResult[Any], session.execute(statement))
    if result.rowcount != 1:
        return False
    session.refresh(group)
    action = "broadcast_group.activate" if active else "broadcast_group.deactivate"
    detail = {"actor": principal.label, "name": group.name, "active": active}
    _audit(session, principal, action, group_id, now, detail)
    return True


def _audit(
    session: Session,
    principal: Principal,
    action: str,
    group_id: int,
    now: dt.datetime,
    detail: dict[str, Any],
) -> None:
    entry = Entry(principal.label, action, "broadcast_group", str(group_id), now, detail)
    append_many(session=session, entries=[entry])
