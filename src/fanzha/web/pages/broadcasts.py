"""Broadcast groups and broadcasts: the groups in scope (kind, school, grade, community,
audience, station) and the latest broadcasts with per-group receipts and relays; for the
centre (``broadcast_send``) the forms to add a group, preview and send a broadcast, and record
a relay. The writes are :mod:`fanzha.workflow.broadcast.desk` (the CLI's domain functions,
audited); a refused entry is shown again with the field and the reason (422).

A group is edited on ``/broadcasts/groups/{id}/edit`` (the form carries a fingerprint of the
group it was made from: a form older than the group's last change is refused, the same edit
twice changes nothing the second time) and deactivated or reactivated from the list; a
deactivated group is not offered or sent to (:mod:`fanzha.workflow.broadcast.editing`).

A broadcast is sent in two steps: *preview* (the text and the groups it will reach, nothing
written) and *send* (the preview's confirm form). The confirm form carries a request key made
at preview time; a second submit of it finds the broadcast the first made and sends nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from fanzha.core import fraud_types
from fanzha.errors import ConfigError, ConflictError, FanzhaError, NotFoundError, WorkflowError
from fanzha.notify import broadcast
from fanzha.notify.models import BroadcastGroup
from fanzha.web.deps import Csrf, Db, Desk, Now, PagePrincipal
from fanzha.web.pages.forms import communities_of, form_values, refusal
from fanzha.web.render import render
from fanzha.workflow.broadcast import desk as sender
from fanzha.workflow.broadcast import editing, views
from fanzha.workflow.roles import Permission, Principal

logger = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)
LANGUAGES = ("zh", "en")
KEY_LENGTH = 64  # notify_broadcasts.request_key
# A refused field → the word of its label (web/outreach_words.py).
FIELD_LABELS = {
    "name": "group_name",
    "area": "group_area",
    "audience": "group_audience",
    "robot": "robot",
    "webhook_url": "webhook",
    "secret": "robot_secret",
    "school": "school",
    "grade": "grade",
    "community": "community",
    "kind": "broadcast_kind",
    "fraud_type": "type",
    "script": "new_script",
    "language": "broadcast_language",
    "relayed_by": "relayed_by",
    "reach": "relay_reach",
    "group_id": "group_name",
    "request_key": "request_key",
    "seen": "group_edit_form",
}
GROUP_MESSAGES = {  # what an edit or a state change did → the flash on /broadcasts
    "updated": "group_updated",
    "unchanged": "group_unchanged",
    "deactivated": "group_deactivated",
    "activated": "group_activated",
    "already": "group_already",
}


class FormValueError(WorkflowError):
    """A posted value the desk cannot read (not a number, missing key)."""


def _refused(db: Db, exc: Exception) -> dict[str, str]:
    """The refusal of an entry: its reason and (if known) the field, after a rollback."""
    if isinstance(exc, NotFoundError) and exc.context.get("field"):
        db.rollback()  # no group matches: the form's fault, not a missing page
        reason = exc.message
    else:
        reason = refusal(db, exc)
    field = exc.context.get("field") if isinstance(exc, FanzhaError) else None
    if isinstance(exc, ConfigError):  # a template rule: the script, or the language
        field = "language" if "language" in exc.context else "script"
    name = str(field) if field else ""
    code = exc.context.get("reason") if isinstance(exc, FanzhaError) else None
    return {
        "reason": reason,
        "field": name,
        "label": FIELD_LABELS.get(name, ""),
        "code": str(code) if str(code).startswith("group_error.") else "",
    }


def _optional(form: dict[str, str], name: str) -> str | None:
    return form.get(name, "").strip() or None


def _page_context(db: Db, who: Principal, **forms: Any) -> dict[str, Any]:
    context: dict[str, Any] = {
        "groups": views.list_groups(session=db, principal=who),
        "broadcasts": views.latest_broadcasts(session=db, principal=who),
        "can_send": who.can(Permission.BROADCAST_SEND),
        "audiences": broadcast.AUDIENCES,
        "robots": broadcast.ROBOTS,
        "kinds": broadcast.KINDS,
        "languages": LANGUAGES,
        "fraud_types": [t.code for t in fraud_types.TYPES],
        "communities": communities_of(db, who),
        "group_form": {},
        "group_error": None,
        "send_form": {"kind": "script_alert", "language": "zh"},
        "send_error": None,
        "preview": None,
        "relay_form": {},
        "relay_error": None,
        "relay_for": None,
    }
    context.update(forms)
    return context


@router.get("/broadcasts", response_class=HTMLResponse)
def broadcasts_page(request: Request, db: Db, who: PagePrincipal) -> Response:
    """Groups in scope and the latest broadcasts (receipts and relays of those groups)."""
    return render(request, "broadcasts.html", _page_context(db, who))


@router.post("/broadcasts/groups")
async def add_group(request: Request, db: Db, who: PagePrincipal, now: Now, _: Csrf) -> Response:
    """Register a group bound to a chat-robot webhook; a refused entry keeps what was typed."""
    who.require(Permission.BROADCAST_SEND)
    form = form_values(await request.form())
    spec = broadcast.GroupSpec(
        name=form.get("name", "").strip(),
        area=form.get("area", "").strip(),
        audience=form.get("audience", ""),
        robot=form.get("robot", ""),
        webhook_url=form.get("webhook_url", "").strip(),
        secret=_optional(form, "secret"),
        school=_optional(form, "school"),
        grade=_optional(form, "grade"),
        community=_optional(form, "community"),
    )
    try:
        sender.add_group(session=db, principal=who, spec=spec, now=now)
        db.commit()
    except WorkflowError as exc:
        error = _refused(db, exc)
        form.pop("secret", None)  # never echoed
        context = _page_context(db, who, group_form=form, group_error=error)
        return render(request, "broadcasts.html", context, 422)
    return RedirectResponse("/broadcasts?msg=group_added#groups", status_code=303)


def _group_form(group: BroadcastGroup) -> dict[str, str]:
    """The edit form's values for a group (never its webhook or secret)."""
    values = {name: getattr(group, name) or "" for name in editing.SHOWN}
    return {**values, "seen": editing.fingerprint(group)}


def _edit_context(
    db: Db,
    who: Principal,
    group: BroadcastGroup,
    form: dict[str, str] | None = None,
    error: Any = None,
) -> dict[str, Any]:
    return {
        "group": group,
        "group_form": form if form is not None else _group_form(group),
        "group_error": error,
        "audiences": broadcast.AUDIENCES,
        "robots": broadcast.ROBOTS,
        "communities": communities_of(db, who),
    }


@router.get("/broadcasts/groups/{group_id}/edit", response_class=HTMLResponse)
def edit_group_page(request: Request, group_id: int, db: Db, who: PagePrincipal) -> Response:
    """The form that changes a group (centre roles), and its deactivate/reactivate button."""
    who.require(Permission.BROADCAST_SEND)
    group = editing.get_group(db, group_id)
    return render(request, "broadcast_group_edit.html", _edit_context(db, who, group))


def _group_edit(form: dict[str, str]) -> editing.GroupEdit:
    """The posted edit; a blank webhook or secret keeps the group's."""
    return editing.GroupEdit(
        name=form.get("name", "").strip(),
        area=form.get("area", "").strip(),
        audience=form.get("audience", ""),
        robot=form.get("robot", ""),
        school=_optional(form, "school"),
        grade=_optional(form, "grade"),
        community=_optional(form, "community"),
        webhook_url=_optional(form, "webhook_url"),
        secret=_optional(form, "secret"),
        seen=form.get("seen", ""),
    )


@router.post("/broadcasts/groups/{group_id}")
async def edit_group(
    request: Request, group_id: int, db: Db, who: PagePrincipal, now: Now, _: Csrf
) -> Response:
    """Change a group; a refused entry keeps what was typed, a stale form shows the group anew."""
    who.require(Permission.BROADCAST_SEND)
    editing.get_group(db, group_id)  # 404 first
    form = form_values(await request.form())
    try:
        done = editing.update_group(
            session=db, principal=who, group_id=group_id, edit=_group_edit(form), now=now
        )
        db.commit()
    except WorkflowError as exc:
        error = _refused(db, exc)
        form.pop("secret", None)  # never echoed
        group = editing.get_group(db, group_id)
        shown = None if error["field"] == "seen" else form  # stale: the group as it is now
        context = _edit_context(db, who, group, shown, error)
        return render(request, "broadcast_group_edit.html", context, 422)
    return _to_list("updated" if done else "unchanged")


def _to_list(outcome: str) -> Response:
    return RedirectResponse(f"/broadcasts?msg={GROUP_MESSAGES[outcome]}#groups", status_code=303)


def _set_active(db: Db, who: Principal, group_id: int, active: bool, now: dt.datetime) -> Response:
    changed = editing.set_group_active(
        session=db, principal=who, group_id=group_id, active=active, now=now
    )
    db.commit()
    if not changed:  # a resubmitted button, or someone else did it first
        return _to_list("already")
    return _to_list("activated" if active else "deactivated")


@router.post("/broadcasts/groups/{group_id}/deactivate")
def deactivate_group(group_id: int, db: Db, who: PagePrincipal, now: Now, _: Csrf) -> Response:
    """Stop offering and sending to a group (its past broadcasts and receipts stay)."""
    who.require(Permission.BROADCAST_SEND)
    return _set_active(db, who, group_id, False, now)


@router.post("/broadcasts/groups/{group_id}/activate")
def activate_group(group_id: int, db: Db, who: PagePrincipal, now: Now, _: Csrf) -> Response:
    """Offer and send to a deactivated group again."""
    who.require(Permission.BROADCAST_SEND)
    return _set_active(db, who, group_id, True, now)


def _push_request(form: dict[str, str], who: Principal) -> broadcast.PushRequest:
    """The posted broadcast (the fraud type read as the CLI reads it)."""
    try:
        code = fraud_types.parse(form.get("fraud_type", ""))
    except ValueError as exc:
        raise FormValueError(str(exc), field="fraud_type") from exc
    language = form.get("language", "zh")
    if language not in LANGUAGES:
        raise FormValueError("unknown language", field="language", language=language)
    return broadcast.PushRequest(
        kind=form.get("kind", ""),
        fraud_type=code,
        area=form.get("area", "").strip(),
        audience=form.get("audience", ""),
        created_by=who.label,
        language=language,
        script=_optional(form, "script"),
        school=_optional(form, "school"),
        grade=_optional(form, "grade"),
        community=_optional(form, "community"),
        request_key=form.get("request_key") or None,
    )


@router.post("/broadcasts/preview", response_class=HTMLResponse)
async def preview_broadcast(request: Request, db: Db, who: PagePrincipal, _: Csrf) -> Response:
    """The text and the groups a broadcast will reach, with the form that sends it."""
    who.require(Permission.BROADCAST_SEND)
    form = form_values(await request.form())
    try:
        shown = sender.preview(session=db, principal=who, request=_push_request(form, who))
    except (WorkflowError, ConfigError) as exc:
        context = _page_context(db, who, send_form=form, send_error=_refused(db, exc))
        return render(request, "broadcasts.html", context, 422)
    form["request_key"] = secrets.token_urlsafe(32)  # made once: the confirm form keeps it
    context = _page_context(db, who, send_form=form, preview=shown)
    return render(request, "broadcasts.html", context)


@router.post("/broadcasts/send")
async def send_broadcast(
    request: Request, db: Db, desk: Desk, who: PagePrincipal, now: Now, _: Csrf
) -> Response:
    """Queue the previewed broadcast to its groups, send it through the robot channels and
    show its per-group receipts; the same confirm form again sends nothing."""
    who.require(Permission.BROADCAST_SEND)
    form = form_values(await request.form())
    key = form.get("request_key", "")
    try:
        if not key or len(key) > KEY_LENGTH:
            raise FormValueError("preview the broadcast first", field="request_key")
        done = broadcast.by_request_key(db, key)
        if done is not None:  # a double submit: the first one's receipts
            return RedirectResponse(f"/broadcasts/{done.id}?msg=already_sent", status_code=303)
        item, _count = sender.send(
            session=db, principal=who, request=_push_request(form, who), now=now
        )
        broadcast_id = item.id
        db.commit()
    except ConflictError:
        db.rollback()
        done = broadcast.by_request_key(db, key) if key else None
        if done is None:
            raise
        return RedirectResponse(f"/broadcasts/{done.id}?msg=already_sent", status_code=303)
    except (WorkflowError, ConfigError) as exc:
        context = _page_context(db, who, send_form=form, send_error=_refused(db, exc))
        return render(request, "broadcasts.html", context, 422)
    if desk.robots is not None:
        await run_in_threadpool(_send_now, desk.robots)
    return RedirectResponse(f"/broadcasts/{broadcast_id}?msg=sent", status_code=303)


def _send_now(robots: sender.RobotSender) -> None:
    """One pass over the robot channels; a failure leaves the rows for ``notify run``."""
    try:
        counts = robots.send_now()
    except Exception:  # queued and committed: the outbox keeps them
        logger.exception("sending the broadcast now failed; fanzha notify run sends it")
        return
    logger.info(
        "desk broadcast: sent %d, held %d, failed %d", counts.sent, counts.held, counts.failed
    )


@router.get("/broadcasts/{broadcast_id}", response_class=HTMLResponse)
def broadcast_page(request: Request, broadcast_id: int, db: Db, who: PagePrincipal) -> Response:
    """One broadcast: its text, per-group receipts and who relayed it (another station's: 404)."""
    return render(request, "broadcast_detail.html", _detail_context(db, who, broadcast_id))


def _detail_context(
    db: Db, who: Principal, broadcast_id: int, form: dict[str, str] | None = None, error: Any = None
) -> dict[str, Any]:
    item = views.get_broadcast(session=db, principal=who, broadcast_id=broadcast_id)
    return {
        "item": item,
        "can_send": who.can(Permission.BROADCAST_SEND),
        "relay_form": form or {},
        "relay_error": error,
    }


def _reach(form: dict[str, str]) -> int | None:
    value = form.get("reach", "").strip()
    if not value:
        return None
    if not value.isdigit():
        raise FormValueError("the reach is a number of people (0 or more)", field="reach")
    return int(value)


def _group_id(form: dict[str, str]) -> int:
    value = form.get("group_id", "").strip()
    if not value.isdigit():
        raise FormValueError("choose the group it was relayed in", field="group_id")
    return int(value)


@router.post("/broadcasts/{broadcast_id}/relay")
async def record_relay(
    request: Request, broadcast_id: int, db: Db, who: PagePrincipal, now: Now, _: Csrf
) -> Response:
    """Record who passed the broadcast on in one of its groups, and to how many people."""
    who.require(Permission.BROADCAST_SEND)
    views.get_broadcast(session=db, principal=who, broadcast_id=broadcast_id)  # 404 first
    form = form_values(await request.form())
    try:
        sender.record_relay(
            session=db,
            principal=who,
            broadcast_id=broadcast_id,
            group_id=_group_id(form),
            relayed_by=form.get("relayed_by", ""),
            reach=_reach(form),
            now=now,
        )
        db.commit()
    except WorkflowError as exc:
        error = _refused(db, exc)
        context = _detail_context(db, who, broadcast_id, form, error)
        return render(request, "broadcast_detail.html", context, 422)
    back = form.get("back", "")
    target = "/broadcasts" if back == "list" else f"/broadcasts/{broadcast_id}"
    return RedirectResponse(f"{target}?msg=relayed#relays", status_code=303)
