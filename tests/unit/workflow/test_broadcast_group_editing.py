"""Editing and (de)activating broadcast groups at the service layer, on SQLite and
PostgreSQL: the checks, the conditional state change (once only), the audit records, and a
deactivated group left out of previews and pushes while its past receipts stay."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fanzha.errors import ConflictError, NotFoundError, PermissionDeniedError, WorkflowError
from fanzha.notify import broadcast
from fanzha.store.database import transaction
from fanzha.workflow.audit import service as audit
from fanzha.workflow.audit.models import AuditRecord
from fanzha.workflow.broadcast import editing
from fanzha.workflow.roles import Role, user_principal

T0 = dt.datetime(2026, 12, 7, 9, 0)
OPERATOR = user_principal(1, "operator", Role.CENTRE_OPERATOR, None)
OFFICER = user_principal(2, "officer", Role.STATION_OFFICER, "S1")
PUSH = broadcast.PushRequest("warning", "game_trade", "310104", "parents", "operator")


def _add(factory: sessionmaker[Session]) -> tuple[int, int]:
    specs = [
        broadcast.GroupSpec("甲群", "310104", "parents", "wecom", "http://r/a", school="一中"),
        broadcast.GroupSpec("乙群", "310104", "parents", "dingtalk", "http://r/b", "SEC"),
    ]
    with transaction(factory) as s:
        first, second = (broadcast.add_group(s, spec, T0).id for spec in specs)
    return first, second


def _edit(session: Session, group_id: int, **change: str | None) -> editing.GroupEdit:
    group = editing.get_group(session, group_id)
    fields = {name: getattr(group, name) for name in editing.SHOWN}
    return editing.GroupEdit(**{**fields, **change}, seen=editing.fingerprint(group))


def _actions(factory: sessionmaker[Session]) -> list[str]:
    with factory() as s:
        query = select(AuditRecord.action).where(AuditRecord.action.like("broadcast_group.%"))
        return list(s.scalars(query.order_by(AuditRecord.id)))


def test_an_edit_changes_the_group_once_and_is_audited(factory: sessionmaker[Session]) -> None:
    first, _second = _add(factory)
    with transaction(factory) as s:
        edit = _edit(s, first, name="甲群(改)", grade="初二")
        detail = editing.update_group(
            session=s, principal=OPERATOR, group_id=first, edit=edit, now=T0
        )
    assert detail["changes"] == {"name": ["甲群", "甲群(改)"], "grade": [None, "初二"]}
    with transaction(factory) as s:  # the same edit again: nothing to change
        assert (
            editing.update_group(session=s, principal=OPERATOR, group_id=first, edit=edit, now=T0)
            == {}
        )
        group = editing.get_group(s, first)
        assert (group.name, group.grade, group.webhook_url) == ("甲群(改)", "初二", "http://r/a")
    assert _actions(factory) == ["broadcast_group.update"]


def test_edit_refusals(factory: sessionmaker[Session]) -> None:
    first, second = _add(factory)
    cases: list[tuple[int, dict[str, str | None], type[Exception], str]] = [
        (first, {"name": "乙群"}, ConflictError, "name"),
        (first, {"robot": "dingtalk", "webhook_url": "http://r/c"}, WorkflowError, "secret"),
        (first, {"robot": "dingtalk"}, WorkflowError, "webhook_url"),
        (second, {"webhook_url": "ftp://r"}, WorkflowError, "webhook_url"),
        (second, {"area": "x" * 65}, WorkflowError, "area"),
    ]
    for group_id, change, error, field in cases:
        with factory() as s:
            with pytest.raises(error) as caught:
                editing.update_group(
                    session=s,
                    principal=OPERATOR,
                    group_id=group_id,
                    edit=_edit(s, group_id, **change),
                    now=T0,
                )
            assert isinstance(caught.value, WorkflowError)
            assert caught.value.context["field"] == field, change
            assert str(caught.value.context["reason"]).startswith("group_error.")
    with factory() as s:
        stale = editing.GroupEdit("甲群", "310105", "parents", "wecom", seen="old")
        with pytest.raises(ConflictError):
            editing.update_group(session=s, principal=OPERATOR, group_id=first, edit=stale, now=T0)
        with pytest.raises(PermissionDeniedError):
            editing.update_group(
                session=s, principal=OFFICER, group_id=first, edit=_edit(s, first), now=T0
            )
        with pytest.raises(NotFoundError):
            editing.set_group_active(
                session=s, principal=OPERATOR, group_id=999, active=False, now=T0
            )
    assert _actions(factory) == []


def test_a_deactivated_group_is_left_out_until_reactivated(
    factory: sessionmaker[Session],
) -> None:
    first, second = _add(factory)
    with transaction(factory) as s:
        earlier, _count = broadcast.push(s, PUSH, T0)
    for active, expected in ((False, True), (False, False), (True, True), (True, False)):
        with transaction(factory) as s:
            changed = editing.set_group_active(
                session=s, principal=OPERATOR, group_id=first, active=active, now=T0
            )
            assert changed is expected, (active, expected)
        if active:
            continue
        with transaction(factory) as s:
            _text, targets = broadcast.preview(s, PUSH)
            assert [g.id for g in targets] == [second]
            assert [r.group_id for r in broadcast.receipts(s, earlier.id)] == [first, second]
    with transaction(factory) as s:
        _text, targets = broadcast.preview(s, PUSH)
        assert [g.id for g in targets] == [first, second]
        assert audit.verify(session=s).first_bad_id is None
    assert _actions(factory) == ["broadcast_group.deactivate", "broadcast_group.activate"]
