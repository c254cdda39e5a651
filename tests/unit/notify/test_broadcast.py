"""Broadcast groups: push to an area and audience, per-group receipts, relays, the CLI."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from fanzha.cli.app import make_app
from fanzha.errors import ConflictError, NotFoundError, WorkflowError
from fanzha.notify import broadcast, config
from fanzha.notify.dispatcher import Dispatcher
from fanzha.notify.testing.robots import LocalRobots
from fanzha.store.database import transaction
from fanzha.workflow.audit.models import AuditRecord

T0 = dt.datetime(2026, 12, 4, 9, 0)


def _groups(factory: sessionmaker[Session], robots: LocalRobots) -> list[int]:
    specs = [
        broadcast.GroupSpec(
            "一中初一(3)班家长群",
            "310104",
            "parents",
            "wecom",
            robots.wecom_url("p1"),
            school="一中",
            grade="初一",
        ),
        broadcast.GroupSpec(
            "一中教师群",
            "310104",
            "teachers",
            "dingtalk",
            robots.dingtalk_url("t1", "SEC1"),
            "SEC1",
            school="一中",
        ),
        broadcast.GroupSpec(
            "二中初一家长群",
            "310104",
            "parents",
            "dingtalk",
            robots.dingtalk_url("p2", "SEC2"),
            "SEC2",
            school="二中",
            grade="初一",
        ),
        broadcast.GroupSpec(
            "康健社区居民群",
            "310105",
            "residents",
            "wecom",
            robots.wecom_url("r1"),
            community="康健",
        ),
    ]
    with transaction(factory) as s:
        return [broadcast.add_group(s, spec, T0).id for spec in specs]


def test_broadcast_push_reaches_matching_groups_with_receipts(
    factory: sessionmaker[Session], robots: LocalRobots
) -> None:
    ids = _groups(factory, robots)
    request = broadcast.PushRequest(
        "script_alert",
        "game_trade",
        "310104",
        "parents",
        "officer",
        script="冒充游戏客服称账号被冻结",
    )
    with transaction(factory) as s:
        item, count = broadcast.push(s, request, T0)
    assert count == 2
    channels, limiters = config.build(
        {"wecom": {"kind": "wecom"}, "dingtalk": {"kind": "dingtalk"}}
    )
    Dispatcher(factory, channels, limiters, clock=lambda: T0).run(receipt_wait=1)
    assert len(robots.state.messages["wecom:p1"]) == 1
    assert len(robots.state.messages["dingtalk:p2"]) == 1
    assert "dingtalk:t1" not in robots.state.messages and "wecom:r1" not in robots.state.messages
    text = robots.state.messages["dingtalk:p2"][0]["markdown"]["text"]
    assert "冒充游戏客服称账号被冻结" in text and "96110" in text
    with transaction(factory) as s:
        broadcast.relay(s, item.id, ids[0], "班主任王老师", 45, T0)
        broadcast.relay(s, item.id, ids[0], "家委会李女士", 12, T0)
    with factory() as s:
        receipts = broadcast.receipts(s, item.id)
    assert [(r.group_id, r.status, r.relays, r.reach) for r in receipts] == [
        (ids[0], "accepted", 2, 57),
        (ids[2], "accepted", 0, 0),
    ]


def test_broadcast_robot_rate_limit_holds_the_rest(
    factory: sessionmaker[Session], robots: LocalRobots
) -> None:
    _groups(factory, robots)
    with transaction(factory) as s:
        for fraud in ("romance", "fake_loan", "task_rebate"):
            broadcast.push(
                s, broadcast.PushRequest("warning", fraud, "310105", "residents", "officer"), T0
            )
    channels, limiters = config.build({"wecom": {"kind": "wecom", "per_robot_per_minute": 2}})
    counts = Dispatcher(factory, channels, limiters, clock=lambda: T0).run_once()
    assert counts.sent == 2 and counts.held == 1
    assert len(robots.state.messages["wecom:r1"]) == 2 and robots.state.refused == 0


def test_broadcast_refuses_bad_groups_and_requests(
    factory: sessionmaker[Session], robots: LocalRobots
) -> None:
    _groups(factory, robots)
    with transaction(factory) as s:
        with pytest.raises(ConflictError):
            broadcast.add_group(
                s, broadcast.GroupSpec("一中教师群", "1", "teachers", "wecom", "http://x"), T0
            )
        with pytest.raises(WorkflowError):
            broadcast.add_group(
                s, broadcast.GroupSpec("钉钉无密钥", "1", "teachers", "dingtalk", "http://x"), T0
            )
        with pytest.raises(WorkflowError):
            broadcast.add_group(s, broadcast.GroupSpec("g", "1", "pupils", "wecom", "http://x"), T0)
        with pytest.raises(NotFoundError):
            broadcast.push(
                s, broadcast.PushRequest("warning", "romance", "999", "parents", "officer"), T0
            )


def test_broadcast_cli_group_push_run_receipts_relay(
    tmp_path: Path, robots: LocalRobots, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FANZHA_DATA_DIR", str(tmp_path))
    db = f"sqlite:///{tmp_path / 'w.db'}"
    channels = tmp_path / "channels.json"
    channels.write_text(json.dumps({"wecom": {"kind": "wecom"}}), encoding="utf-8")
    runner, app = CliRunner(), make_app(("notify",))

    def cli(*args: str) -> str:
        result = runner.invoke(app, ["notify", *args, "--database-url", db])
        assert result.exit_code == 0, result.output
        return result.output

    assert "group 1" in cli(
        "group",
        "add",
        "--name",
        "三小五年级家长群",
        "--area",
        "310104",
        "--audience",
        "parents",
        "--robot",
        "wecom",
        "--webhook",
        robots.wecom_url("k9"),
        "--school",
        "三小",
        "--grade",
        "五年级",
    )
    assert "三小五年级家长群" in cli("group", "list")
    assert "queued to 1 groups" in cli(
        "broadcast",
        "--fraud-type",
        "刷单",
        "--area",
        "310104",
        "--audience",
        "parents",
        "--script",
        "兼职点赞返现",
    )
    result = runner.invoke(
        app,
        [
            "notify",
            "run",
            "--channels-file",
            str(channels),
            "--receipt-wait",
            "1",
            "--database-url",
            db,
        ],
    )
    assert result.exit_code == 0 and "sent 1" in result.output, result.output
    cli("relay", "--broadcast", "1", "--group", "1", "--by", "班主任", "--reach", "38")
    assert "accepted" in cli("receipts", "1") and "reach 38" in cli("receipts", "1")
    assert len(robots.state.messages["wecom:k9"]) == 1
    from fanzha.store.database import make_engine, session_factory

    with session_factory(make_engine(db))() as s:
        actions = list(s.scalars(select(AuditRecord.action).order_by(AuditRecord.id)))
    assert actions == ["notify.broadcast", "notify.sent", "notify.relay"]
