"""HTTP SMS gateway, voice robot with signed callbacks, WeCom/DingTalk robots, SMTP."""

from __future__ import annotations

import base64
import hashlib
import hmac
import socket
import time
import urllib.parse
from collections.abc import Iterator

import httpx
import pytest
from aiosmtpd.controller import Controller

from fanzha.errors import PermanentSendError, RetryableSendError
from fanzha.notify.callbacks import SIGNATURE_HEADER, signature
from fanzha.notify.channel import Outgoing, Receipt, SendResult
from fanzha.notify.dingtalk import DingTalkChannel, sign
from fanzha.notify.email import SmtpChannel, SmtpConfig
from fanzha.notify.http_sms import HttpSmsChannel, HttpSmsConfig
from fanzha.notify.testing.robots import LocalRobots
from fanzha.notify.testing.sms_gateway import LocalSmsGateway
from fanzha.notify.testing.voice_robot import LocalVoiceRobot
from fanzha.notify.voice import VoiceConfig, VoiceRobotChannel
from fanzha.notify.wecom import WeComChannel


def _wait(poll: object, count: int) -> list[Receipt]:
    deadline = time.monotonic() + 5
    got: list[Receipt] = []
    while time.monotonic() < deadline:
        got = poll()  # type: ignore[operator]
        if len(got) >= count:
            break
        time.sleep(0.02)
    return got


def test_http_sms_sends_batches_and_matches_receipts(gateway: LocalSmsGateway) -> None:
    channel = HttpSmsChannel("sms_http", HttpSmsConfig(gateway.url, "test-token", batch_size=7))
    items = [Outgoing(f"r{i}", f"1390000{i:04d}", "t", "【反诈预警】测试") for i in range(20)]
    results = channel.send_batch(items)
    ids = [r.provider_ids[0] for r in results if isinstance(r, SendResult)]
    assert len(set(ids)) == 20
    receipts = channel.poll_receipts()
    assert sorted(r.provider_id for r in receipts) == sorted(ids)
    channel.confirm(receipts[:5])
    assert len(channel.poll_receipts()) == 15
    assert gateway.state.texts["r3"] == "【反诈预警】测试"
    channel.close()


def test_http_sms_retries_busy_gateway_and_detects_resend(gateway: LocalSmsGateway) -> None:
    channel = HttpSmsChannel("sms_http", HttpSmsConfig(gateway.url, "test-token"))
    gateway.state.fail_next = 2  # two 503s, then tenacity's third try gets through
    (first,) = channel.send_batch([Outgoing("same", "13900001111", "t", "x")])
    (again,) = channel.send_batch([Outgoing("same", "13900001111", "t", "x")])
    assert isinstance(first, SendResult) and isinstance(again, SendResult)
    assert again.provider_ids == first.provider_ids and again.duplicate
    assert len(gateway.state.accepted) == 1
    gateway.state.fail_next = 5
    (busy,) = channel.send_batch([Outgoing("other", "13900001111", "t", "x")])
    assert isinstance(busy, RetryableSendError)
    channel.close()


def test_http_sms_errors_are_classified(gateway: LocalSmsGateway) -> None:
    bad_token = HttpSmsChannel("sms_http", HttpSmsConfig(gateway.url, "wrong"))
    assert isinstance(bad_token.send_batch([Outgoing("a", "1", "t", "x")])[0], PermanentSendError)
    channel = HttpSmsChannel("sms_http", HttpSmsConfig(gateway.url, "test-token"))
    (invalid,) = channel.send_batch([Outgoing("b", "not-a-number", "t", "x")])
    assert isinstance(invalid, PermanentSendError)


@pytest.fixture
def voice() -> Iterator[tuple[LocalVoiceRobot, VoiceRobotChannel]]:
    robot = LocalVoiceRobot("cb-secret").start()
    channel = VoiceRobotChannel("voice", VoiceConfig(robot.url, "voice-token", "cb-secret"))
    yield robot, channel
    channel.close()
    robot.stop()


def test_voice_outcomes_arrive_by_signed_callback(
    voice: tuple[LocalVoiceRobot, VoiceRobotChannel],
) -> None:
    robot, channel = voice
    numbers = ["13700000001", "13700000006", "13700000007", "13700000008"]
    results = channel.send_batch([Outgoing(f"v{n}", n, "t", "您好") for n in numbers])
    ids = {
        r.provider_ids[0]: n
        for r, n in zip(results, numbers, strict=True)
        if isinstance(r, SendResult)
    }
    receipts = _wait(channel.poll_receipts, 4)
    outcomes = {ids[r.provider_id]: r.status for r in receipts}
    assert outcomes == {
        "13700000001": "confirmed",
        "13700000006": "answered",
        "13700000007": "refused",
        "13700000008": "no_answer",
    }
    channel.confirm(receipts)
    deadline = time.monotonic() + 5
    while robot.state.callbacks_sent < 4 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert robot.state.callbacks_sent == 4  # answered 200 once committed: no resend
    assert channel.poll_receipts() == []


def test_voice_callback_with_bad_signature_is_refused(
    voice: tuple[LocalVoiceRobot, VoiceRobotChannel],
) -> None:
    _, channel = voice
    channel.send_batch([])
    receiver = channel._callbacks()
    body = b'{"call_id": "call1", "outcome": "confirmed"}'
    bad = httpx.post(receiver.url, content=body, headers={SIGNATURE_HEADER: "00"})
    assert bad.status_code == 401
    assert channel.poll_receipts() == []
    assert signature("cb-secret", body) != "00"


def test_voice_uncommitted_callback_is_answered_503_and_resent() -> None:
    robot = LocalVoiceRobot("s", delay=0.01).start()
    channel = VoiceRobotChannel("voice", VoiceConfig(robot.url, "voice-token", "s"))
    channel._receiver = None
    from fanzha.notify.callbacks import CallbackReceiver

    channel._receiver = CallbackReceiver("s", hold_seconds=0.2)
    try:
        channel.send_batch([Outgoing("v", "13700000002", "t", "您好")])
        time.sleep(0.6)  # the first callback timed out (503); the robot tries again
        receipts = _wait(channel.poll_receipts, 1)
        assert [r.status for r in receipts] == ["confirmed"]
        channel.confirm(receipts)
        deadline = time.monotonic() + 5
        while robot.state.callbacks_sent < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert robot.state.callbacks_sent == 2  # one 503, then the committed one
    finally:
        channel.close()
        robot.stop()


def test_robots_wecom_and_dingtalk_formats(robots: LocalRobots) -> None:
    wecom, ding = WeComChannel("wecom"), DingTalkChannel("dingtalk")
    (posted,) = wecom.send_batch([Outgoing("w", robots.wecom_url("k1"), "标题", "**预警**")])
    assert posted == SendResult((), final_status="accepted")
    assert robots.state.messages["wecom:k1"] == [
        {"msgtype": "markdown", "markdown": {"content": "**预警**"}}
    ]
    url = robots.dingtalk_url("t1", "SECxyz")
    (signed,) = ding.send_batch([Outgoing("d", url, "标题", "**预警**", secret="SECxyz")])
    (wrong,) = ding.send_batch([Outgoing("d", url, "标题", "x", secret="SECother")])
    assert isinstance(signed, SendResult) and isinstance(wrong, PermanentSendError)
    assert robots.state.messages["dingtalk:t1"][0]["markdown"] == {
        "title": "标题",
        "text": "**预警**",
    }


def test_robots_dingtalk_signature_is_the_documented_one() -> None:
    # components.md: urlencode(base64(HMAC-SHA256(secret, f"{timestamp}\n{secret}")))
    mac = hmac.new(b"SEC+key", b"1700000000000\nSEC+key", hashlib.sha256).digest()
    expected = urllib.parse.quote(base64.b64encode(mac).decode(), safe="")
    assert sign("SEC+key", 1_700_000_000_000) == expected


def test_robots_rate_limited_is_retryable(robots: LocalRobots) -> None:
    robots.per_minute = 2
    wecom = WeComChannel("wecom")
    url = robots.wecom_url("k2")
    results = wecom.send_batch([Outgoing(str(i), url, "t", "x") for i in range(3)])
    assert isinstance(results[2], RetryableSendError)
    long = wecom.send_batch([Outgoing("l", url, "t", "字" * 2000)])[0]
    assert isinstance(long, PermanentSendError)


class _Sink:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:  # noqa: N802
        self.messages.append(envelope.content)  # type: ignore[attr-defined]
        return "250 OK"

    async def handle_RCPT(  # noqa: N802
        self, server: object, session: object, envelope: object, address: str, options: object
    ) -> str:
        if address.startswith("nobody@"):
            return "550 no such user"
        envelope.rcpt_tos.append(address)  # type: ignore[attr-defined]
        return "250 OK"


def test_email_over_smtp() -> None:
    sink = _Sink()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        channel = SmtpChannel("email", SmtpConfig("127.0.0.1", port, "fanzha@centre.example"))
        ok, refused = channel.send_batch(
            [
                Outgoing("fzref1", "officer@station.example", "反诈预警", "正文 110"),
                Outgoing("fzref2", "nobody@station.example", "反诈预警", "正文"),
            ]
        )
        assert ok == SendResult(("fzref1",), final_status="accepted")
        assert isinstance(refused, PermanentSendError)
        assert len(sink.messages) == 1
        assert b"Message-ID: <fzref1@fanzha>" in sink.messages[0]
    finally:
        controller.stop()
    (down,) = channel.send_batch([Outgoing("fzref3", "a@b.example", "t", "x")])
    assert isinstance(down, RetryableSendError)
