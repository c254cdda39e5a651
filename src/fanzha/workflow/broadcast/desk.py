"""The desk's writes on broadcast groups: add a group, preview and send a broadcast, record a
relay. Each is the CLI's (:mod:`fanzha.notify.broadcast`, ``fanzha notify group add /
broadcast / relay``) behind the ``broadcast_send`` permission (centre roles), audited in the
same transaction: ``notify.broadcast`` and ``notify.relay`` exactly as the CLI writes them,
and ``notify.group`` for a new group (name, area, audience, robot; never the webhook).

Sending queues one outbox row per group, as the CLI does; the desk then runs one dispatcher
pass over the app's robot channels (:func:`robot_dispatcher`, from the channels file) so the
page shows the per-group receipts at once. Rows a robot's rate limit holds back are sent by
``fanzha notify run``.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from fanzha.notify import broadcast
from fanzha.notify.dispatcher import DispatchCounts, Dispatcher
from fanzha.notify.models import Broadcast, BroadcastGroup, Relay
from fanzha.notify.outbox import AuditNote, RetryPolicy
from fanzha.notify.templates import Rendered
from fanzha.workflow.audit.service import Entry, append_many
from fanzha.workflow.roles import Permission, Principal

__all__ = [
    "Preview",
    "RobotSender",
    "add_group",
    "audit_hook",
    "preview",
    "record_relay",
    "robot_dispatcher",
    "send",
]


def audit_hook(session: Session, notes: Sequence[AuditNote]) -> None:
    """Every send and receipt into the workflow's hash-chained audit log (same transaction)."""
    if not notes:
        return
    entries = [Entry("notify", n.action, n.object_type, n.object_id, n.at, n.detail) for n in notes]
    append_many(session=session, entries=entries)


def add_group(
    *, session: Session, principal: Principal, spec: broadcast.GroupSpec, now: dt.datetime
) -> BroadcastGroup:
    """Register a group (``notify.group`` audited; the webhook and secret are not)."""
    principal.require(Permission.BROADCAST_SEND)
    group = broadcast.add_group(session, spec, now)
    detail = {
        "actor": principal.label,
        "name": group.name,
        "area": group.area,
        "audience": group.audience,
        "robot": group.robot,
        "school": group.school,
        "grade": group.grade,
        "community": group.community,
    }
    audit_hook(session, [AuditNote("notify.group", "broadcast_group", str(group.id), now, detail)])
    return group


@dataclass(frozen=True)
class Preview:
    """What a broadcast would send, and to which groups."""

    text: Rendered
    groups: list[BroadcastGroup]

    @property
    def count(self) -> int:
        """Groups it would reach."""
        return len(self.groups)


def preview(*, session: Session, principal: Principal, request: broadcast.PushRequest) -> Preview:
    """The text and the groups of a broadcast not yet sent (nothing written)."""
    principal.require(Permission.BROADCAST_SEND)
    text, groups = broadcast.preview(session, request)
    return Preview(text, groups)


def send(
    *,
    session: Session,
    principal: Principal,
    request: broadcast.PushRequest,
    now: dt.datetime,
) -> tuple[Broadcast, int]:
    """Queue the broadcast to every matching group and audit it as ``fanzha notify broadcast``
    does; a request key already used is a ``ConflictError`` (nothing queued twice)."""
    principal.require(Permission.BROADCAST_SEND)
    item, count = broadcast.push(session, request, now)
    detail = {
        "actor": principal.label,
        "area": request.area,
        "audience": request.audience,
        "groups": count,
        "kind": request.kind,
        "fraud_type": request.fraud_type,
    }
    audit_hook(session, [AuditNote("notify.broadcast", "broadcast", str(item.id), now, detail)])
    return item, count


def record_relay(
    *,
    session: Session,
    principal: Principal,
    broadcast_id: int,
    group_id: int,
    relayed_by: str,
    reach: int | None,
    now: dt.datetime,
) -> Relay:
    """Record who passed a broadcast on in a group it went to (``notify.relay`` audited)."""
    principal.require(Permission.BROADCAST_SEND)
    row = broadcast.relay(session, broadcast_id, group_id, relayed_by.strip(), reach, now)
    detail = {"group": group_id, "relay": row.id, "reach": reach, "actor": principal.label}
    audit_hook(session, [AuditNote("notify.relay", "broadcast", str(broadcast_id), now, detail)])
    return row


@dataclass
class RobotSender:
    """One dispatcher pass over the robot channels at a time (the desk's requests share it)."""

    dispatcher: Dispatcher
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def send_now(self) -> DispatchCounts:
        """Send what is due on the robot channels (one pass; what is held waits)."""
        with self._lock:
            return self.dispatcher.run_once()

    def close(self) -> None:
        """Close the channels."""
        self.dispatcher.close()


def robot_dispatcher(
    path: Path | None,
    factory: sessionmaker[Session],
    clock: Callable[[], dt.datetime],
    *,
    lease: dt.timedelta = dt.timedelta(seconds=60),
    policy: RetryPolicy | None = None,
) -> RobotSender | None:
    """A sender over the ``wecom`` / ``dingtalk`` channels of the channels file (the names
    :func:`broadcast.push` queues to); None without a file or without such a channel."""
    if path is None:
        return None
    from fanzha.notify import config

    specs = {k: v for k, v in config.load_specs(path).items() if k in broadcast.ROBOTS}
    if not specs:
        return None
    channels, limiters = config.build(specs)
    dispatcher = Dispatcher(
        factory,
        channels,
        limiters,
        audit=audit_hook,
        lease=lease,
        policy=policy or RetryPolicy(),
        clock=clock,
    )
    return RobotSender(dispatcher)
