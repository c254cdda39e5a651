"""The broadcast forms on /broadcasts: add a group, preview then send a broadcast (through the
app's robot channels, to the local WeCom/DingTalk servers), record a relay; centre roles only,
refusals shown with the field, every write audited, a double submit sending nothing twice."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from fanzha.notify.models import Broadcast, BroadcastGroup, OutboxRow, Relay
from fanzha.notify.testing.robots import LocalRobots
from fanzha.workflow.audit import service as audit
from fanzha.workflow.audit.models import AuditRecord
from fanzha.workflow.broadcast.desk import robot_dispatcher
from tests.unit.web.support import Browser

TEMPLATES = Path(__file__).resolve().parents[3] / "src" / "fanzha" / "web" / "templates"
EDITING = TEMPLATES.parents[1] / "workflow" / "broadcast" / "editing.py"


@pytest.fixture
def robots() -> Iterator[LocalRobots]:
    server = LocalRobots().start()
    yield server
    server.stop()


@pytest.fixture
def sending_app(app: FastAPI, tmp_path: Path) -> Iterator[FastAPI]:
    """The app with robot channels configured, as FANZHA_NOTIFY_CHANNELS_FILE would."""
    path = tmp_path / "channels.json"
    path.write_text(
        json.dumps({"wecom": {"kind": "wecom"}, "dingtalk": {"kind": "dingtalk"}}),
        encoding="utf-8",
    )
    desk = app.state.desk
    desk.robots = robot_dispatcher(path, desk.factory, desk.clock)
    assert desk.robots is not None
    yield app
    desk.robots.close()


def _browser(app: FastAPI, user: str) -> Browser:
    b = Browser(app)
    b.login(user)
    return b


def _group(robots: LocalRobots, name: str, key: str, **kw: str) -> dict[str, str]:
    return {
        "name": name,
        "area": "310104",
        "audience": "parents",
        "robot": "wecom",
        "webhook_url": robots.wecom_url(key),
        **kw,
    }


def _add_groups(b: Browser, robots: LocalRobots) -> None:
    """Two parent groups of 310104 (WeCom, DingTalk) and a residents' group of C1."""
    forms = [
        _group(robots, "一中初一(3)班家长群", "p1", school="一中", grade="初一"),
        _group(
            robots,
            "二中初一家长群",
            "p2",
            school="二中",
            grade="初一",
            robot="dingtalk",
            webhook_url=robots.dingtalk_url("p2", "SEC2"),
            secret="SEC2",
        ),
        _group(robots, "城关社区居民群", "r1", audience="residents", community="C1"),
    ]
    for form in forms:
        response = b.post("/broadcasts/groups", form)
        assert response.status_code == 303, response.text
        assert response.headers["location"].startswith("/broadcasts?msg=group_added")


SEND = {
    "kind": "script_alert",
    "fraud_type": "game_trade",
    "area": "310104",
    "audience": "parents",
    "language": "zh",
    "script": "冒充游戏客服称账号被冻结",
}


def _confirm_form(page: str) -> dict[str, str]:
    """The hidden fields of the preview's confirm form."""
    form = page[page.index('id="confirm-form"') :]
    form = form[: form.index("</form>")]
    fields = re.findall(r'name="([a-z_]+)" value="([^"]*)"', form)
    return {k: html.unescape(v) for k, v in fields if k != "csrf_token"}


def _count(app: FastAPI, model: Any) -> int:
    with app.state.desk.factory() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def _actions(app: FastAPI) -> list[str]:
    with app.state.desk.factory() as s:
        return list(s.scalars(select(AuditRecord.action).order_by(AuditRecord.id)))


def _audit(app: FastAPI, action: str) -> list[AuditRecord]:
    with app.state.desk.factory() as s:
        query = select(AuditRecord).where(AuditRecord.action == action).order_by(AuditRecord.id)
        return list(s.scalars(query))


def test_station_and_leader_roles_are_refused(app: FastAPI, robots: LocalRobots) -> None:
    operator = _browser(app, "operator")
    _add_groups(operator, robots)
    preview = operator.post("/broadcasts/preview", SEND)
    sent = operator.post("/broadcasts/send", _confirm_form(preview.text))
    broadcast_id = int(sent.headers["location"].split("/")[2].split("?")[0])
    groups_before, broadcasts_before = _count(app, BroadcastGroup), _count(app, Broadcast)
    for user in ("officer", "grid", "leader", "admin"):
        b = _browser(app, user)
        posts = [
            ("/broadcasts/groups", _group(robots, f"{user}群", "x")),
            ("/broadcasts/preview", SEND),
            ("/broadcasts/send", {**SEND, "request_key": f"k-{user}"}),
            (f"/broadcasts/{broadcast_id}/relay", {"group_id": "1", "relayed_by": user}),
        ]
        for url, data in posts:
            assert b.post(url, data).status_code == 403, (user, url)
        if user != "admin":
            page = b.client.get("/broadcasts").text
            assert 'id="group-form"' not in page and 'id="broadcast-form"' not in page
            assert "data-relay-form" not in page
    assert (_count(app, BroadcastGroup), _count(app, Broadcast)) == (
        groups_before,
        broadcasts_before,
    )
    assert _count(app, Relay) == 0
    for user in ("operator", "supervisor"):
        page = _browser(app, user).client.get("/broadcasts").text
        assert 'id="group-form"' in page and 'id="broadcast-form"' in page, user
        assert f'data-relay-form="{broadcast_id}"' in page, user


def test_a_group_added_is_listed_and_audited(app: FastAPI, robots: LocalRobots) -> None:
    b = _browser(app, "operator")
    _add_groups(b, robots)
    page = b.client.get("/broadcasts?msg=group_added")
    assert 'data-msg="group_added"' in page.text and "推送群已新增" in page.text
    groups = page.text[page.text.index('id="groups"') : page.text.index("</table>")]
    for name in ("一中初一(3)班家长群", "二中初一家长群", "城关社区居民群"):
        assert name in groups
    assert "钉钉机器人" in groups and "S1" in groups  # 城关社区居民群 is C1's: station S1
    assert "SEC2" not in page.text and robots.wecom_url("p1") not in page.text
    records = _audit(app, "notify.group")
    assert len(records) == 3
    detail = records[1].detail
    assert detail["name"] == "二中初一家长群" and detail["robot"] == "dingtalk"
    assert detail["actor"].startswith("user:") and "operator" in detail["actor"]
    assert "SEC2" not in json.dumps([r.detail for r in records], ensure_ascii=False)
    assert "webhook" not in json.dumps([r.detail for r in records])
    with app.state.desk.factory() as s:
        assert audit.verify(session=s).first_bad_id is None


def test_group_refusals_show_the_field_and_keep_the_entry(
    app: FastAPI, robots: LocalRobots
) -> None:
    b = _browser(app, "supervisor")
    _add_groups(b, robots)
    cases = [
        (_group(robots, "钉钉群", "d1", robot="dingtalk"), "secret", "signing secret"),
        (_group(robots, "坏地址群", "b1", webhook_url="ftp://robot"), "webhook_url", "http(s)"),
        (_group(robots, "一中初一(3)班家长群", "p9"), "name", "a group of that name exists"),
        (_group(robots, "学生群", "s1", audience="pupils"), "audience", "unknown audience"),
        (_group(robots, "无区域群", "a1", area=" "), "area", "needs an area"),
        (_group(robots, "短信群", "m1", robot="sms"), "robot", "unknown robot kind"),
    ]
    for form, field, reason in cases:
        response = b.post(
            "/broadcasts/groups", {**form, "secret": "TOPSECRET"} if field == "name" else form
        )
        assert response.status_code == 422, (field, response.status_code)
        assert f'data-refused="{field}"' in response.text, field
        assert reason in html.unescape(response.text), field
        assert f'value="{form["name"]}"' in response.text  # what was typed is kept
        assert "TOPSECRET" not in response.text  # a secret is never echoed
    assert _count(app, BroadcastGroup) == 3
    assert len(_audit(app, "notify.group")) == 3


def test_preview_then_send_reaches_the_groups_with_receipts(
    sending_app: FastAPI, robots: LocalRobots
) -> None:
    app = sending_app
    b = _browser(app, "operator")
    _add_groups(b, robots)
    preview = b.post("/broadcasts/preview", SEND)
    assert preview.status_code == 200
    assert re.search(r'data-count="preview">2<', preview.text)
    shown = preview.text[preview.text.index('id="preview-groups"') :]
    shown = shown[: shown.index("</ul>")]
    assert "一中初一(3)班家长群" in shown and "二中初一家长群" in shown
    assert "城关社区居民群" not in shown
    assert "冒充游戏客服称账号被冻结" in preview.text and "96110" in preview.text
    assert _count(app, Broadcast) == 0 and _count(app, OutboxRow) == 0  # nothing queued yet
    assert not robots.state.messages
    confirm = _confirm_form(preview.text)
    assert confirm["fraud_type"] == "game_trade" and len(confirm["request_key"]) >= 32
    sent = b.post("/broadcasts/send", confirm)
    assert sent.status_code == 303
    location = sent.headers["location"]
    assert re.fullmatch(r"/broadcasts/\d+\?msg=sent", location)
    assert len(robots.state.messages["wecom:p1"]) == 1
    assert len(robots.state.messages["dingtalk:p2"]) == 1
    assert "wecom:r1" not in robots.state.messages
    text = robots.state.messages["dingtalk:p2"][0]["markdown"]["text"]
    assert "冒充游戏客服称账号被冻结" in text
    detail = b.client.get(location)
    assert detail.status_code == 200 and 'data-msg="sent"' in detail.text
    receipts = re.findall(r'<tr data-receipt="(\d+)" data-status="(\w+)"', detail.text)
    assert len(receipts) == 2 and {s for _, s in receipts} == {"accepted"}
    assert "机器人已接收" in detail.text
    with app.state.desk.factory() as s:
        item = s.scalars(select(Broadcast)).one()
        assert item.created_by.startswith("user:") and item.request_key == confirm["request_key"]
        rows = s.scalars(select(OutboxRow).where(OutboxRow.subject_id == str(item.id))).all()
        assert sorted(r.status for r in rows) == ["accepted", "accepted"]
    records = _audit(app, "notify.broadcast")
    assert len(records) == 1
    assert records[0].detail["groups"] == 2 and records[0].detail["fraud_type"] == "game_trade"
    assert "operator" in records[0].detail["actor"]
    assert _actions(app).count("notify.sent") == 2  # the dispatcher's, as `notify run` writes


def test_a_double_submit_sends_nothing_twice(sending_app: FastAPI, robots: LocalRobots) -> None:
    app = sending_app
    b = _browser(app, "supervisor")
    _add_groups(b, robots)
    confirm = _confirm_form(b.post("/broadcasts/preview", SEND).text)
    first = b.post("/broadcasts/send", confirm)
    second = b.post("/broadcasts/send", confirm)
    assert first.status_code == second.status_code == 303
    broadcast_id = first.headers["location"].split("?")[0]
    assert second.headers["location"] == f"{broadcast_id}?msg=already_sent"
    assert 'data-msg="already_sent"' in b.client.get(second.headers["location"]).text
    assert _count(app, Broadcast) == 1 and _count(app, OutboxRow) == 2
    assert len(robots.state.messages["wecom:p1"]) == 1
    assert len(robots.state.messages["dingtalk:p2"]) == 1
    assert len(_audit(app, "notify.broadcast")) == 1
    again = _confirm_form(b.post("/broadcasts/preview", SEND).text)  # a new preview: a new key
    assert again["request_key"] != confirm["request_key"]
    assert b.post("/broadcasts/send", again).status_code == 303
    assert _count(app, Broadcast) == 2 and len(robots.state.messages["wecom:p1"]) == 2


def test_send_refusals_show_the_field(app: FastAPI, robots: LocalRobots) -> None:
    b = _browser(app, "operator")
    _add_groups(b, robots)
    cases = [
        ({**SEND, "area": "999999"}, "area", "no active group matches"),
        ({**SEND, "script": "加微信 13812345678 领退款"}, "script", "no numbers"),
        ({**SEND, "script": "点击 http://x.cn 退款"}, "script", "no links"),
        ({**SEND, "fraud_type": "外星人诈骗"}, "fraud_type", "unknown fraud type"),
        ({**SEND, "kind": "rumour"}, "kind", "unknown broadcast kind"),
        ({**SEND, "language": "fr"}, "language", "unknown language"),
    ]
    for form, field, reason in cases:
        response = b.post("/broadcasts/preview", form)
        assert response.status_code == 422, (field, response.status_code)
        assert f'data-refused="{field}"' in response.text, field
        assert reason in html.unescape(response.text), field
        assert 'id="confirm-form"' not in response.text
    no_key = b.post("/broadcasts/send", SEND)  # not previewed: no request key
    assert no_key.status_code == 422 and 'data-refused="request_key"' in no_key.text
    bad = b.post("/broadcasts/send", {**SEND, "area": "999999", "request_key": "k" * 40})
    assert bad.status_code == 422 and 'data-refused="area"' in bad.text
    assert _count(app, Broadcast) == 0 and _count(app, OutboxRow) == 0
    assert "notify.broadcast" not in _actions(app)


def test_without_robot_channels_the_broadcast_is_queued(app: FastAPI, robots: LocalRobots) -> None:
    b = _browser(app, "operator")
    _add_groups(b, robots)
    confirm = _confirm_form(b.post("/broadcasts/preview", SEND).text)
    location = b.post("/broadcasts/send", confirm).headers["location"]
    detail = b.client.get(location).text
    assert len(re.findall(r'<tr data-receipt="\d+" data-status="pending"', detail)) == 2
    assert not robots.state.messages  # `fanzha notify run` sends it


def test_a_relay_is_recorded_listed_and_audited(sending_app: FastAPI, robots: LocalRobots) -> None:
    app = sending_app
    b = _browser(app, "operator")
    _add_groups(b, robots)
    confirm = _confirm_form(b.post("/broadcasts/preview", SEND).text)
    location = b.post("/broadcasts/send", confirm).headers["location"]
    broadcast_id = int(location.split("/")[2].split("?")[0])
    with app.state.desk.factory() as s:
        ids = {g.name: g.id for g in s.scalars(select(BroadcastGroup))}
    first = ids["一中初一(3)班家长群"]
    url = f"/broadcasts/{broadcast_id}/relay"
    done = b.post(url, {"group_id": str(first), "relayed_by": "班主任王老师", "reach": "45"})
    assert done.status_code == 303
    assert done.headers["location"] == f"/broadcasts/{broadcast_id}?msg=relayed#relays"
    from_list = b.post(
        url,
        {"group_id": str(ids["二中初一家长群"]), "relayed_by": "家委会李女士", "back": "list"},
    )
    assert from_list.headers["location"] == "/broadcasts?msg=relayed#relays"
    detail = b.client.get(f"/broadcasts/{broadcast_id}").text
    assert f'data-relay="{first}"' in detail and "班主任王老师" in detail
    assert re.search(r'data-count="reach">45<', detail)
    assert "班主任王老师 (45)" in b.client.get("/broadcasts").text
    refusals = [
        ({"group_id": str(first), "relayed_by": "班主任王老师", "reach": "45"}, "relayed_by"),
        ({"group_id": str(first), "relayed_by": "张老师", "reach": "很多"}, "reach"),
        ({"group_id": str(first), "relayed_by": "  "}, "relayed_by"),
        ({"group_id": str(ids["城关社区居民群"]), "relayed_by": "网格员"}, "group_id"),
        ({"group_id": "", "relayed_by": "网格员"}, "group_id"),
    ]
    for form, field in refusals:
        response = b.post(url, form)
        assert response.status_code == 422, (form, response.status_code)
        assert f'data-refused="{field}"' in response.text, form
    assert "relay already recorded" in b.post(url, refusals[0][0]).text  # a double submit
    assert b.post("/broadcasts/999/relay", {"group_id": "1", "relayed_by": "x"}).status_code == 404
    assert _count(app, Relay) == 2
    records = _audit(app, "notify.relay")
    assert [r.detail["reach"] for r in records] == [45, None]
    assert records[0].object_id == str(broadcast_id) and records[0].detail["group"] == first
    assert [a for a in _actions(app) if a != "notify.sent"] == [
        "notify.group",
        "notify.group",
        "notify.group",
        "notify.broadcast",
        "notify.relay",
        "notify.relay",
    ]
    with app.state.desk.factory() as s:
        assert audit.verify(session=s).first_bad_id is None


def test_broadcast_forms_in_english(app: FastAPI, robots: LocalRobots) -> None:
    b = _browser(app, "supervisor")
    _add_groups(b, robots)
    b.client.get("/lang/en?next=/broadcasts")
    page = b.client.get("/broadcasts").text
    assert "Add a group" in page and "Send a broadcast" in page and "Robot webhook URL" in page
    preview = b.post("/broadcasts/preview", {**SEND, "language": "en"}).text
    assert "Confirm and send" in preview and "Groups to reach" in preview
    refused = b.post("/broadcasts/groups", _group(robots, "d", "d", robot="dingtalk")).text
    assert "Not saved · DingTalk signing secret" in html.unescape(refused)


def test_every_word_of_the_broadcast_forms_is_translated() -> None:
    from fanzha.web.i18n import translator
    from fanzha.web.pages.broadcasts import FIELD_LABELS, GROUP_MESSAGES, LANGUAGES

    keys: set[str] = set(FIELD_LABELS.values()) | {f"language.{x}" for x in LANGUAGES}
    keys |= {f"msg.{m}" for m in ("group_added", "sent", "already_sent", "relayed")}
    keys |= {f"msg.{m}" for m in GROUP_MESSAGES.values()}
    keys |= set(re.findall(r'"(group_error\.[a-z_]+)"', EDITING.read_text(encoding="utf-8")))
    names = ("broadcasts.html", "broadcast_detail.html", "_relay_form.html")
    for name in (*names, "broadcast_group_edit.html", "_group_state_form.html"):
        text = (TEMPLATES / name).read_text(encoding="utf-8")
        keys |= set(re.findall(r"\bt\('([a-z_.]+)'\)", text))
    zh, en = translator("zh"), translator("en")
    assert not sorted(k for k in keys if zh(k) == k or not en(k))
