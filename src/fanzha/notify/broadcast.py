"""Broadcast groups: teacher/parent groups of schools and grades, community groups.

A group is bound to one chat-robot webhook (WeCom or DingTalk). :func:`push` sends a key
warning or a new-scam-script alert to the active groups of an area (and audience, school,
grade or community): one outbox row per group, so each group has its own receipt;
:func:`preview` shows the text and the groups it would reach without queueing anything. A
push with a ``request_key`` (the desk form's) is made once: the same key again is refused.
:func:`relay` records who (a teacher, a grid worker) passed the alert on, and to how many.
Refusals name the offending field in their context (``field=...``) for the desk's forms.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fanzha.errors import ConflictError, NotFoundError, WorkflowError
from fanzha.notify import outbox, templates
from fanzha.notify.models import Broadcast, BroadcastGroup, OutboxRow, Relay
from fanzha.notify.templates import Rendered

AUDIENCES = ("teachers", "parents", "residents")
ROBOTS = ("wecom", "dingtalk")
KINDS = ("warning", "script_alert")


@dataclass(frozen=True)
class GroupSpec:
    """A group to register."""

    name: str
    area: str
    audience: str
    robot: str
    webhook_url: str
    secret: str | None = None
    school: str | None = None
    grade: str | None = None
    community: str | None = None


# column lengths of notify_groups: a longer value is refused, not cut
LENGTHS = {
    "name": 120,
    "area": 64,
    "school": 120,
    "grade": 32,
    "community": 120,
    "webhook_url": 500,
    "secret": 200,
}


def _refuse(message: str, field: str, reason: str) -> WorkflowError:
    """A refusal naming its field and its words (``reason``: a key of ``fanzha.web.i18n``)."""
    return WorkflowError(message, field=field, reason=reason)


def check_group(spec: GroupSpec) -> None:
    """The checks every group passes, added or edited (refusals name field and reason)."""
    if not spec.name.strip():
        raise _refuse("a group needs a name", "name", "group_error.no_name")
    if not spec.area.strip():
        raise _refuse(
            "a group needs an area (district or street code)", "area", "group_error.no_area"
        )
    if spec.audience not in AUDIENCES:
        raise _refuse("unknown audience", "audience", "group_error.audience")
    if spec.robot not in ROBOTS:
        raise _refuse("unknown robot kind", "robot", "group_error.robot")
    for name, limit in LENGTHS.items():
        value = getattr(spec, name)
        if value is not None and len(value) > limit:
            raise _refuse(f"at most {limit} characters", name, "group_error.too_long")
    if not spec.webhook_url.startswith(("http://", "https://")):
        raise _refuse("the webhook must be an http(s) URL", "webhook_url", "group_error.webhook")
    if spec.robot == "dingtalk" and not spec.secret:
        raise _refuse("a DingTalk robot needs its signing secret", "secret", "group_error.secret")


def check_name_free(session: Session, name: str, group_id: int | None = None) -> None:
    """Group names are unique (``group_id``: the group being edited may keep its own)."""
    taken = select(BroadcastGroup.id).where(BroadcastGroup.name == name)
    if group_id is not None:
        taken = taken.where(BroadcastGroup.id != group_id)
    if session.scalar(taken) is not None:
        raise ConflictError(
            "a group of that name exists", field="name", name=name, reason="group_error.name_taken"
        )


def add_group(session: Session, spec: GroupSpec, now: dt.datetime) -> BroadcastGroup:
    """Register a group (its name is unique)."""
    check_group(spec)
    check_name_free(session, spec.name)
    group = BroadcastGroup(**spec.__dict__, active=True, created_at=now)
    session.add(group)
    session.flush()
    return group


def groups(
    session: Session,
    *,
    area: str | None = None,
    audience: str | None = None,
    school: str | None = None,
    grade: str | None = None,
    community: str | None = None,
) -> list[BroadcastGroup]:
    """Active groups matching every given criterion."""
    query = select(BroadcastGroup).where(BroadcastGroup.active.is_(True))
    for column, value in (
        (BroadcastGroup.area, area),
        (BroadcastGroup.audience, audience),
        (BroadcastGroup.school, school),
        (BroadcastGroup.grade, grade),
        (BroadcastGroup.community, community),
    ):
        if value is not None:
            query = query.where(column == value)
    return list(session.scalars(query.order_by(BroadcastGroup.id)))


@dataclass(frozen=True)
class PushRequest:
    """What to push, and to whom."""

    kind: str
    fraud_type: str
    area: str
    audience: str
    created_by: str
    language: str = "zh"
    script: str | None = None  # the new script, in the officer's words (checked: no numbers)
    warning_id: int | None = None
    school: str | None = None
    grade: str | None = None
    community: str | None = None
    request_key: str | None = None  # the desk form's: the same key twice is refused


def preview(session: Session, request: PushRequest) -> tuple[Rendered, list[BroadcastGroup]]:
    """The text a push would send and the groups it would reach (nothing is queued).

    Refuses an unknown kind (:class:`WorkflowError`), a request no active group matches
    (:class:`NotFoundError`) and a script that breaks the 12381 rules (``ConfigError``)."""
    if request.kind not in KINDS:
        raise WorkflowError("unknown broadcast kind", field="kind", kind=request.kind)
    targets = groups(
        session,
        area=request.area,
        audience=request.audience,
        school=request.school,
        grade=request.grade,
        community=request.community,
    )
    if not targets:
        raise NotFoundError(
            "no active group matches", field="area", area=request.area, audience=request.audience
        )
    text = templates.render(request.fraud_type, "group", request.language, script=request.script)
    return text, targets


def by_request_key(session: Session, key: str) -> Broadcast | None:
    """The broadcast made for a desk request key, if any."""
    return session.scalar(select(Broadcast).where(Broadcast.request_key == key))


def push(session: Session, request: PushRequest, now: dt.datetime) -> tuple[Broadcast, int]:
    """Create a broadcast and queue it to every matching group; (broadcast, groups queued).

    A ``request_key`` already used raises :class:`ConflictError` (context ``broadcast``: the
    one made the first time), so a resubmitted form queues nothing."""
    text, targets = preview(session, request)
    if request.request_key is not None:
        done = by_request_key(session, request.request_key)
        if done is not None:
            raise ConflictError("this broadcast was sent already", broadcast=done.id)
    broadcast = Broadcast(
        kind=request.kind,
        fraud_type=request.fraud_type,
        warning_id=request.warning_id,
        area=request.area,
        audience=request.audience,
        language=request.language,
        title=text.title,
        body=text.body,
        created_by=request.created_by,
        created_at=now,
        request_key=request.request_key,
    )
    try:
        with session.begin_nested():
            session.add(broadcast)
    except IntegrityError as exc:  # the same key committed meanwhile (a concurrent submit)
        raise ConflictError("this broadcast was sent already", key=request.request_key) from exc
    intents = [
        outbox.Intent(
            "broadcast",
            str(broadcast.id),
            g.robot,
            f"group:{g.id}",
            f"group:{g.id}",
            text.title,
            text.body,
            request.language,
            text.template,
        )
        for g in targets
    ]
    outbox.enqueue(session, intents, now)
    return broadcast, len(intents)


def relay(
    session: Session,
    broadcast_id: int,
    group_id: int,
    relayed_by: str,
    reach: int | None,
    now: dt.datetime,
) -> Relay:
    """Record that ``relayed_by`` passed the broadcast on in (or from) a group it was sent to."""
    if session.get(Broadcast, broadcast_id) is None:
        raise NotFoundError("no such broadcast", broadcast=broadcast_id)
    if session.get(BroadcastGroup, group_id) is None:
        raise NotFoundError("no such group", group=group_id)
    if not relayed_by.strip():
        raise WorkflowError("say who relayed it", field="relayed_by")
    if reach is not None and reach < 0:
        raise WorkflowError("the reach is a number of people (0 or more)", field="reach")
    queued = select(OutboxRow.id).where(
        OutboxRow.subject_type == "broadcast",
        OutboxRow.subject_id == str(broadcast_id),
        OutboxRow.attempt_key == f"group:{group_id}",
    )
    if session.scalar(queued) is None:
        raise WorkflowError("the broadcast was not sent to that group", field="group_id")
    row = Relay(
        broadcast_id=broadcast_id, group_id=group_id, relayed_by=relayed_by, reach=reach, at=now
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError as exc:
        raise ConflictError("relay already recorded", field="relayed_by", by=relayed_by) from exc
    return row


@dataclass(frozen=True)
class GroupReceipt:
    """One group's state for a broadcast."""

    group_id: int
    group: str
    status: str
    sent_at: dt.datetime | None
    relays: int
    reach: int


def receipts(session: Session, broadcast_id: int) -> list[GroupReceipt]:
    """Per-group receipts and relays of a broadcast."""
    rows = session.execute(
        select(OutboxRow.attempt_key, OutboxRow.status, OutboxRow.sent_at).where(
            OutboxRow.subject_type == "broadcast", OutboxRow.subject_id == str(broadcast_id)
        )
    ).all()
    relays = {
        gid: (n, reach or 0)
        for gid, n, reach in session.execute(
            select(Relay.group_id, func.count(), func.sum(Relay.reach))
            .where(Relay.broadcast_id == broadcast_id)
            .group_by(Relay.group_id)
        )
    }
    names = {g.id: g.name for g in session.scalars(select(BroadcastGroup))}
    out = []
    for key, status, sent_at in rows:
        gid = int(key.removeprefix("group:"))
        count, reach = relays.get(gid, (0, 0))
        out.append(GroupReceipt(gid, names.get(gid, "?"), status, sent_at, count, reach))
    return sorted(out, key=lambda r: r.group_id)
