"""SMPP 3.4: the codec, and the client against the local test SMSC."""

from __future__ import annotations

from dataclasses import replace

import pytest

from fanzha.errors import PermanentSendError, RetryableSendError
from fanzha.notify import smpp_codec as codec
from fanzha.notify.channel import Outgoing, SendResult
from fanzha.notify.smpp import SmppChannel, SmppConfig
from fanzha.notify.testing.smsc import LocalSmsc
from tests.unit.notify.sessions import (
    check_unconfirmed_receipts_come_again,
    send_to_a_closed_port,
    wait_receipts,
)

LONG = "【反诈预警】" + "公检法机关不会通过电话办案，不会要求转账到安全账户。" * 4


def _channel(smsc: LocalSmsc, password: str = "secret") -> SmppChannel:
    return SmppChannel("sms", SmppConfig("127.0.0.1", smsc.port, "fanzha", password, timeout=5))


def test_smpp_codec_submit_round_trip() -> None:
    sm = codec.ShortMessage("12381", "13800001111", b"hi", tlvs={codec.TLV_CLIENT_REF: b"fz1:1"})
    back = codec.decode_sm(codec.encode_sm(sm))
    assert back == sm


def test_smpp_codec_chinese_is_ucs2_split_with_udh() -> None:
    assert codec.split_text("你" * 70, 7) == [(0, codec.DC_UCS2, ("你" * 70).encode("utf-16-be"))]
    parts = codec.split_text("你" * 71, 7)
    assert len(parts) == 2
    assert all(esm == codec.ESM_UDHI and dc == codec.DC_UCS2 for esm, dc, _ in parts)
    assert parts[0][2][:6] == bytes([5, 0, 3, 7, 2, 1]) and len(parts[0][2]) == 6 + 134
    sms = [codec.ShortMessage("a", "b", p, esm, dc) for esm, dc, p in parts]
    assert codec.join_text(sms) == "你" * 71


def test_smpp_codec_never_splits_a_surrogate_pair() -> None:
    text = "你" * 66 + "😀" + "好" * 10
    parts = codec.split_text(text, 1)
    sms = [codec.ShortMessage("a", "b", p, esm, dc) for esm, dc, p in parts]
    assert codec.join_text(sms) == text
    for _, _, octets in parts:
        octets[6:].decode("utf-16-be")  # each part decodes on its own


def test_smpp_codec_plain_ascii_goes_unencoded() -> None:
    assert codec.split_text("Call 110.", 1) == [(0, codec.DC_DEFAULT, b"Call 110.")]


def test_smpp_send_and_receipts_matched(smsc: LocalSmsc) -> None:
    channel = _channel(smsc)
    try:
        items = [
            Outgoing(f"r{i}", f"1380000{i:04d}", "t", LONG if i % 2 else "short") for i in range(50)
        ]
        results = channel.send_batch(items)
        assert all(isinstance(r, SendResult) for r in results)
        ids = [p for r in results if isinstance(r, SendResult) for p in r.provider_ids]
        assert len(ids) == 25 * 1 + 25 * 2
        receipts = wait_receipts(channel, len(ids))
        assert sorted(r.provider_id for r in receipts) == sorted(ids)
        assert {r.status for r in receipts} == {"delivered"}
        assert smsc.state.texts()["r1"] == LONG
    finally:
        channel.close()


def test_smpp_resend_of_a_reference_is_detected(smsc: LocalSmsc) -> None:
    channel = _channel(smsc)
    try:
        first = channel.send_batch([Outgoing("ref-a", "13800001111", "t", LONG)])
        again = channel.send_batch([Outgoing("ref-a", "13800001111", "t", LONG)])
        assert first == again
        assert smsc.state.duplicates == 2 and len(smsc.state.accepted) == 2
    finally:
        channel.close()


def test_smpp_unconfirmed_receipts_come_again_after_reconnect(smsc: LocalSmsc) -> None:
    check_unconfirmed_receipts_come_again(lambda: _channel(smsc), smsc.state.acked)


def test_smpp_errors_are_classified(smsc: LocalSmsc) -> None:
    smsc.invalid.add("000")
    smsc.undeliverable.add("13800004444")
    channel = _channel(smsc)
    try:
        bad, undeliverable = channel.send_batch(
            [Outgoing("x1", "000", "t", "hi"), Outgoing("x2", "13800004444", "t", "hi")]
        )
        assert isinstance(bad, PermanentSendError)
        assert isinstance(undeliverable, SendResult)
        assert [r.status for r in wait_receipts(channel, 1)] == ["failed"]
    finally:
        channel.close()
    refused = _channel(smsc, password="wrong").send_batch([Outgoing("x3", "1", "t", "hi")])
    assert isinstance(refused[0], PermanentSendError)


def test_smpp_unreachable_smsc_is_retryable() -> None:
    spec = SmppConfig("127.0.0.1", 0, "fanzha", "secret")
    result = send_to_a_closed_port(lambda port: SmppChannel("sms", replace(spec, port=port)))
    assert isinstance(result, RetryableSendError)


@pytest.mark.parametrize("text", ["a" * 161, "é" * 71])
def test_smpp_codec_long_texts_split(text: str) -> None:
    assert len(codec.split_text(text, 3)) == 2
