"""Editing, deactivating and reactivating a broadcast group on /broadcasts (centre roles
only): the change is shown and audited, refusals show the field in Chinese and English and
change nothing, a stale or resubmitted form changes nothing twice, and a deactivated group is
neither offered in a preview nor sent to (its past broadcasts stay)."""

from __future__ import annotations

import html
import re
from typing import Any

from fastapi import FastAPI
from sqlalchemy import select

from fanzha.notify.models import BroadcastGroup, OutboxRow
from fanzha.notify.testing.robots import LocalRobots
from fanzha.workflow.audit import service as audit
from fanzha.workflow.audit.models import AuditRecord
from tests.unit.web.support import Browser
from tests.unit.web.test_broadcast_forms import (  # the broadcast form tests' helpers
    SEND,
    _add_groups,
    _audit,
    _browser,
    _confirm_form,
    robots,
    sending_app,
)

__all__ = ["robots", "sending_app"]  # fixtures

FIRST = "一中初一(3)班家长群"  # WeCom, key p1
SECOND = "二中初一家长群"  # DingTalk, key p2


def _ids(app: FastAPI) -> dict[str, int]:
    with app.state.desk.factory() as s:
        return {g.name: g.id for g in s.scalars(select(BroadcastGroup))}


def _group(app: FastAPI, group_id: int) -> BroadcastGroup:
    with app.state.desk.factory() as s:
        group = s.get(BroadcastGroup, group_id)
        assert group is not None
        s.expunge(group)
        return group


def _edit_form(b: Browser, group_id: int) -> dict[str, str]:
    """The edit form's fields as the page fills them in."""
    page = b.client.get(f"/broadcasts/groups/{group_id}/edit")
    assert page.status_code == 200, page.text
    form = page.text[page.text.index('id="group-edit-form"') :]
    form = form[: form.index("</form>")]
    fields = dict(re.findall(r'name="([a-z_]+)"[^>]*? value="([^"]*)"', form))
    for name in ("audience", "robot"):
        select_ = form[form.index(f'<select name="{name}"') :]
        chosen = re.search(r'<option value="(\w+)" selected', select_[: select_.index("</select>")])
        assert chosen, name
        fields[name] = chosen.group(1)
    fields.pop("csrf_token", None)
    return {k: html.unescape(v) for k, v in fields.items()}


def _preview_groups(b: Browser, **send: str) -> str:
    preview = b.post("/broadcasts/preview", {**SEND, **send})
    if 'id="preview-groups"' not in preview.text:
        return ""
    shown = preview.text[preview.text.index('id="preview-groups"') :]
    return shown[: shown.index("</ul>")]


def _row(page: str, group_id: int) -> str:
    row = page[page.index(f'<tr data-group="{group_id}"') :]
    return row[: row.index("</tr>")]


def test_an_edited_group_is_changed_listed_and_audited(app: FastAPI, robots: LocalRobots) -> None:
    b = _browser(app, "operator")
    _add_groups(b, robots)
    gid = _ids(app)[FIRST]
    form = _edit_form(b, gid)
    assert form["name"] == FIRST and form["school"] == "一中" and form["robot"] == "wecom"
    assert "webhook_url" not in form or not form["webhook_url"]  # the webhook is never shown
    changed = {**form, "name": "一中初一(4)班家长群", "grade": "初二", "area": "310105"}
    done = b.post(f"/broadcasts/groups/{gid}", changed)
    assert done.status_code == 303, done.text
    assert done.headers["location"] == "/broadcasts?msg=group_updated#groups"
    group = _group(app, gid)
    assert (group.name, group.grade, group.area) == ("一中初一(4)班家长群", "初二", "310105")
    assert group.webhook_url == robots.wecom_url("p1")  # left blank: kept
    page = b.client.get("/broadcasts?msg=group_updated").text
    assert "推送群已修改" in page and "一中初一(4)班家长群" in _row(page, gid)
    records = _audit(app, "broadcast_group.update")
    assert len(records) == 1
    record = records[0]
    assert record.object_type == "broadcast_group" and record.object_id == str(gid)
    assert "operator" in record.actor and "operator" in record.detail["actor"]
    assert record.detail["changes"] == {
        "name": [FIRST, "一中初一(4)班家长群"],
        "area": ["310104", "310105"],
        "grade": ["初一", "初二"],
    }
    assert record.detail["webhook_changed"] is False
    again = b.post(f"/broadcasts/groups/{gid}", changed)  # a double submit
    assert again.headers["location"] == "/broadcasts?msg=group_unchanged#groups"
    assert len(_audit(app, "broadcast_group.update")) == 1
    with app.state.desk.factory() as s:
        assert audit.verify(session=s).first_bad_id is None


def test_a_new_webhook_and_secret_are_kept_out_of_pages_and_audit(
    app: FastAPI, robots: LocalRobots
) -> None:
    b = _browser(app, "supervisor")
    _add_groups(b, robots)
    gid = _ids(app)[FIRST]
    form = _edit_form(b, gid)
    url = robots.dingtalk_url("p7", "NEWSECRET")
    changed = {**form, "robot": "dingtalk", "webhook_url": url, "secret": "NEWSECRET"}
    assert b.post(f"/broadcasts/groups/{gid}", changed).status_code == 303
    group = _group(app, gid)
    assert (group.robot, group.webhook_url, group.secret) == ("dingtalk", url, "NEWSECRET")
    edit_page = b.client.get(f"/broadcasts/groups/{gid}/edit").text
    assert "NEWSECRET" not in edit_page and url not in edit_page
    record = _audit(app, "broadcast_group.update")[0]
    assert record.detail["webhook_changed"] is True and record.detail["secret_changed"] is True
    assert "NEWSECRET" not in str(record.detail) and "p7" not in str(record.detail)


def test_without_broadcast_send_editing_is_refused(app: FastAPI, robots: LocalRobots) -> None:
    _add_groups(_browser(app, "operator"), robots)
    gid = _ids(app)[FIRST]
    for user in ("officer", "grid", "leader", "admin"):
        b = _browser(app, user)
        assert b.client.get(f"/broadcasts/groups/{gid}/edit").status_code == 403, user
        posts: list[tuple[str, dict[str, Any]]] = [
            (f"/broadcasts/groups/{gid}", {"name": "改名", "area": "1", "audience": "parents"}),
            (f"/broadcasts/groups/{gid}/deactivate", {}),
            (f"/broadcasts/groups/{gid}/activate", {}),
        ]
        for url, data in posts:
            assert b.post(url, data).status_code == 403, (user, url)
        if user != "admin":
            page = b.client.get("/broadcasts").text
            assert "data-edit-group" not in page and "data-group-state-form" not in page
    group = _group(app, gid)
    assert group.name == FIRST and group.active
    with app.state.desk.factory() as s:
        actions = set(s.scalars(select(AuditRecord.action)))
    assert not {a for a in actions if a.startswith("broadcast_group.")}
    operator = _browser(app, "operator")
    no_csrf = operator.client.post(f"/broadcasts/groups/{gid}/deactivate", data={})
    assert no_csrf.status_code == 403 and _group(app, gid).active
    assert operator.client.get("/broadcasts/groups/999/edit").status_code == 404
    assert operator.post("/broadcasts/groups/999/deactivate").status_code == 404


def test_edit_refusals_show_the_field_and_change_nothing(app: FastAPI, robots: LocalRobots) -> None:
    b = _browser(app, "operator")
    _add_groups(b, robots)
    gid = _ids(app)[FIRST]
    form = _edit_form(b, gid)
    cases = [
        ({"name": SECOND}, "name", "a group of that name exists", "已有同名推送群"),
        ({"name": " "}, "name", "a group needs a name", "群名称不能为空"),
        ({"area": ""}, "area", "needs an area", "区域编码不能为空"),
        ({"audience": "pupils"}, "audience", "unknown audience", "未知的群类型"),
        (
            {"robot": "sms", "webhook_url": "http://x/"},
            "robot",
            "unknown robot",
            "未知的机器人类型",
        ),
        ({"webhook_url": "ftp://robot"}, "webhook_url", "http(s)", "须为 http(s) 地址"),
        ({"robot": "dingtalk"}, "webhook_url", "its own webhook", "新的 Webhook"),
        (
            {"robot": "dingtalk", "webhook_url": robots.dingtalk_url("d", "S")},
            "secret",
            "signing secret",
            "加签密钥",
        ),
        ({"grade": "初" * 33}, "grade", "too long", "内容过长"),
    ]
    for change, field, en, zh in cases:
        posted = {**form, **change, "secret": change.get("secret", "TOPSECRET")}
        if field == "secret":
            posted.pop("secret")
        for lang, reason in (("zh", zh), ("en", en)):
            b.client.get(f"/lang/{lang}?next=/broadcasts")
            response = b.post(f"/broadcasts/groups/{gid}", posted)
            assert response.status_code == 422, (field, response.status_code)
            assert f'data-refused="{field}"' in response.text, field
            assert reason in html.unescape(response.text), (field, lang)
            assert "TOPSECRET" not in response.text  # a secret is never echoed
            if field != "name":
                assert f'value="{html.escape(posted["name"])}"' in response.text  # kept
    b.client.get("/lang/zh?next=/broadcasts")
    group = _group(app, gid)
    assert (group.name, group.area, group.audience, group.robot) == (
        FIRST,
        "310104",
        "parents",
        "wecom",
    )
    assert group.grade == "初一" and group.webhook_url == robots.wecom_url("p1")
    assert _audit(app, "broadcast_group.update") == []


def test_a_stale_edit_form_is_refused(app: FastAPI, robots: LocalRobots) -> None:
    first, second = _browser(app, "operator"), _browser(app, "supervisor")
    _add_groups(first, robots)
    gid = _ids(app)[FIRST]
    old = _edit_form(first, gid)
    stale = _edit_form(second, gid)
    assert first.post(f"/broadcasts/groups/{gid}", {**old, "grade": "初二"}).status_code == 303
    refused = second.post(f"/broadcasts/groups/{gid}", {**stale, "school": "三中"})
    assert refused.status_code == 422 and 'data-refused="seen"' in refused.text
    assert "已被他人修改" in refused.text
    assert 'value="初二"' in refused.text  # the group as it is now
    group = _group(app, gid)
    assert (group.school, group.grade) == ("一中", "初二")
    assert len(_audit(app, "broadcast_group.update")) == 1


def test_a_deactivated_group_is_not_offered_or_sent_to_until_reactivated(
    sending_app: FastAPI, robots: LocalRobots
) -> None:
    app = sending_app
    b = _browser(app, "operator")
    _add_groups(b, robots)
    ids = _ids(app)
    gid = ids[FIRST]
    before = b.post("/broadcasts/send", _confirm_form(b.post("/broadcasts/preview", SEND).text))
    earlier = before.headers["location"].split("?")[0]
    assert len(robots.state.messages["wecom:p1"]) == 1
    done = b.post(f"/broadcasts/groups/{gid}/deactivate")
    assert done.headers["location"] == "/broadcasts?msg=group_deactivated#groups"
    assert not _group(app, gid).active
    page = b.client.get("/broadcasts?msg=group_deactivated").text
    assert "推送群已停用" in page and "已停用" in _row(page, gid)
    assert f'action="/broadcasts/groups/{gid}/activate"' in _row(page, gid)
    again = b.post(f"/broadcasts/groups/{gid}/deactivate")  # a double submit
    assert again.headers["location"] == "/broadcasts?msg=group_already#groups"
    shown = _preview_groups(b)
    assert FIRST not in shown and SECOND in shown
    sent = b.post("/broadcasts/send", _confirm_form(b.post("/broadcasts/preview", SEND).text))
    assert sent.status_code == 303
    assert len(robots.state.messages["wecom:p1"]) == 1  # not reached
    assert len(robots.state.messages["dingtalk:p2"]) == 2
    with app.state.desk.factory() as s:
        keys = s.scalars(select(OutboxRow.attempt_key).order_by(OutboxRow.id)).all()
    assert keys.count(f"group:{gid}") == 1  # the earlier broadcast's row only
    assert _preview_groups(b, audience="parents", school="一中") == ""  # no active group
    old = b.client.get(earlier).text  # its past broadcast and receipt stay
    assert f'data-receipt="{gid}"' in old and FIRST in old
    assert b.post(f"/broadcasts/groups/{gid}/activate").headers["location"] == (
        "/broadcasts?msg=group_activated#groups"
    )
    assert _group(app, gid).active and FIRST in _preview_groups(b)
    assert [r.action for r in _audit(app, "broadcast_group.deactivate")] == [
        "broadcast_group.deactivate"
    ]
    records = _audit(app, "broadcast_group.activate")
    assert len(records) == 1 and records[0].object_id == str(gid)
    assert records[0].detail["active"] is True and "operator" in records[0].detail["actor"]
    with app.state.desk.factory() as s:
        assert audit.verify(session=s).first_bad_id is None


def test_group_editing_in_english(app: FastAPI, robots: LocalRobots) -> None:
    b = _browser(app, "supervisor")
    _add_groups(b, robots)
    gid = _ids(app)[FIRST]
    b.client.get("/lang/en?next=/broadcasts")
    page = b.client.get("/broadcasts").text
    assert "Edit group" in _row(page, gid) and "Deactivate" in _row(page, gid)
    edit = b.client.get(f"/broadcasts/groups/{gid}/edit").text
    assert "Save changes" in edit and "leave blank to keep" in edit
    b.post(f"/broadcasts/groups/{gid}/deactivate")
    assert "Group deactivated" in b.client.get("/broadcasts?msg=group_deactivated").text
