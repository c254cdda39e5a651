"""CMPP 2.0: the codec (round trips, malformed PDUs), and the client against the local ISMG."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import socket
import string
import time
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from fanzha.errors import NotifyError, PermanentSendError, RetryableSendError
from fanzha.notify import cmpp_codec as codec
from fanzha.notify import config, outbox
from fanzha.notify.channel import Outgoing, SendResult
from fanzha.notify.cmpp import CmppChannel, CmppConfig
from fanzha.notify.dispatcher import Dispatcher
from fanzha.notify.models import OutboxRow, ReceiptRow
from fanzha.notify.testing.ismg import LocalIsmg
from fanzha.store.database import transaction
from tests.unit.notify.sessions import (
    check_unconfirmed_receipts_come_again,
    send_to_a_closed_port,
    wait_receipts,
)

LONG = "【反诈预警】" + "公检法机关不会通过电话办案，不会要求转账到安全账户。" * 4
SHORT = "【反诈预警】请勿转账，如有疑问拨打96110。"
T0 = dt.datetime(2026, 12, 4, 9, 0)


def _channel(ismg: LocalIsmg, secret: str = "secret", source: str = "900001") -> CmppChannel:
    return CmppChannel("sms", CmppConfig("127.0.0.1", ismg.port, source, secret, timeout=5))


def _items(n: int, prefix: str = "r") -> list[Outgoing]:
    return [
        Outgoing(f"{prefix}{i}", f"1380000{i:04d}", "t", LONG if i % 2 else SHORT) for i in range(n)
    ]


def _ids(results: list[SendResult | NotifyError]) -> list[str]:
    return [p for r in results if isinstance(r, SendResult) for p in r.provider_ids]


# --- codec ---------------------------------------------------------------------------------
def _ascii(size: int) -> st.SearchStrategy[str]:
    return st.text(string.ascii_letters + string.digits, max_size=size)


_byte = st.integers(0, 255)
_submits = st.builds(
    codec.Submit,
    destinations=st.lists(_ascii(21), min_size=1, max_size=100).map(tuple),
    content=st.binary(max_size=140),
    msg_src=_ascii(6),
    src_id=_ascii(21),
    msg_fmt=_byte,
    tp_udhi=st.integers(0, 1),
    pk_total=st.just(3),
    pk_number=st.integers(1, 3),
    registered_delivery=st.integers(0, 1),
    msg_level=_byte,
    service_id=_ascii(10),
    fee_user_type=_byte,
    fee_terminal_id=_ascii(21),
    tp_pid=_byte,
    fee_type=_ascii(2),
    fee_code=_ascii(6),
    valid_time=_ascii(17),
    at_time=_ascii(17),
    msg_id=st.integers(0, 2**64 - 1),
    reserve=st.binary(min_size=8, max_size=8),
)
_reports = st.builds(
    codec.StatusReport,
    msg_id=st.integers(0, 2**64 - 1),
    stat=st.sampled_from(["DELIVRD", "UNDELIV", "EXPIRED", "REJECTD", "MA:0001"]),
    submit_time=_ascii(10),
    done_time=_ascii(10),
    dest_terminal_id=_ascii(21),
    smsc_sequence=st.integers(0, 2**32 - 1),
)


@given(_submits, st.integers(0, 2**32 - 1))
def test_cmpp_codec_submit_round_trip(submit: codec.Submit, sequence: int) -> None:
    pdu = codec.decode_pdu(codec.Pdu(codec.SUBMIT, sequence, codec.encode_submit(submit)).encode())
    assert pdu.command_id == codec.SUBMIT and pdu.sequence == sequence
    assert codec.decode_submit(pdu.body) == submit


@given(_reports, st.integers(0, 2**64 - 1), _ascii(21), _ascii(21))
def test_cmpp_codec_status_report_round_trip(
    report: codec.StatusReport, msg_id: int, dest: str, src: str
) -> None:
    deliver = codec.Deliver(msg_id, dest, src, codec.encode_report(report), 1)
    back = codec.decode_deliver(codec.encode_deliver(deliver))
    assert back == deliver
    assert codec.decode_report(back.content) == report


@given(
    _ascii(6),
    st.binary(min_size=16, max_size=16),
    _byte,
    st.integers(0, 2**32 - 1),
    st.integers(0, 2**64 - 1),
    _byte,
)
def test_cmpp_codec_connect_and_resp_round_trip(
    source: str, auth: bytes, version: int, stamp: int, msg_id: int, result: int
) -> None:
    connect = codec.Connect(source, auth, version, stamp)
    assert codec.decode_connect(codec.encode_connect(connect)) == connect
    resp = codec.ConnectResp(result, auth, version)
    assert codec.decode_connect_resp(codec.encode_connect_resp(resp)) == resp
    assert codec.decode_resp(codec.encode_resp(msg_id, result)) == (msg_id, result)


def test_cmpp_codec_authenticator_is_the_specified_md5() -> None:
    when = dt.datetime(2026, 12, 4, 9, 5, 7)
    connect = codec.make_connect("901234", "pw", when)
    assert connect.timestamp == 1204090507 and connect.version == 0x20
    expected = hashlib.md5(b"901234" + b"\0" * 9 + b"pw" + b"1204090507").digest()
    assert connect.authenticator == expected
    body = codec.encode_connect(connect)
    assert len(body) == 27 and body[:6] == b"901234" and body[-4:] == (1204090507).to_bytes(4)


def test_cmpp_codec_chinese_is_ucs2_split_with_udh() -> None:
    (single,) = codec.split_text("你" * 70, 7)
    assert (single.msg_fmt, single.tp_udhi, single.pk_total) == (codec.FMT_UCS2, 0, 1)
    assert len(single.content) == 140
    parts = codec.split_text("你" * 71, 7)
    assert [(p.tp_udhi, p.pk_total, p.pk_number) for p in parts] == [(1, 2, 1), (1, 2, 2)]
    assert parts[0].content[:6] == bytes([5, 0, 3, 7, 2, 1]) and len(parts[0].content) == 140
    submits = [
        codec.Submit(("1",), p.content, msg_fmt=p.msg_fmt, tp_udhi=1, pk_total=2, pk_number=i + 1)
        for i, p in enumerate(parts)
    ]
    assert codec.join_text(submits[::-1]) == "你" * 71
    text = "你" * 66 + "😀" + "好" * 10  # the pair would straddle octet 134
    joined = codec.join_text(
        [codec.Submit(("1",), p.content, tp_udhi=1) for p in codec.split_text(text, 1)]
    )
    assert joined == text
    assert codec.split_text("Call 110.", 1)[0].msg_fmt == codec.FMT_ASCII


def test_cmpp_codec_rejects_malformed_pdus() -> None:
    good = codec.encode_submit(codec.Submit(("13800001111",), "你好".encode("utf-16-be")))
    header = codec.HEADER
    bad: list[tuple[bytes, str]] = [
        (header.pack(8, codec.SUBMIT, 1), "Total_Length 8"),
        (header.pack(10**6, codec.SUBMIT, 1), "Total_Length 1000000"),
        (header.pack(12, 0x77, 1), "unknown Command_Id"),
        (header.pack(20, codec.SUBMIT, 1), "Total_Length 20 but 12"),
        (b"\0\0", "shorter than the header"),
    ]
    for data, what in bad:
        with pytest.raises(NotifyError, match=f"malformed CMPP PDU: .*{what}"):
            codec.decode_pdu(data)
    with pytest.raises(NotifyError, match="CMPP_SUBMIT body of 50 octets"):
        codec.decode_submit(good[:50])
    with pytest.raises(NotifyError, match="Msg_Length 4 does not fit"):
        codec.decode_submit(good[:-1])
    with pytest.raises(NotifyError, match="DestUsr_tl 9 does not fit"):
        codec.decode_submit(good[:116] + b"\x09" + good[117:])
    with pytest.raises(NotifyError, match="Pk_number 2 of Pk_total 1"):
        codec.decode_submit(good[:9] + b"\x02" + good[10:])
    with pytest.raises(NotifyError, match="non-ASCII Service_Id"):
        codec.decode_submit(good[:12] + b"\xff" + good[13:])
    with pytest.raises(NotifyError, match="expected 9"):
        codec.decode_resp(b"\0" * 8)
    with pytest.raises(NotifyError, match="expected 27"):
        codec.decode_connect(b"\0" * 26)
    report = codec.Deliver(1, "12381", "1", b"\0" * 59, 1)
    with pytest.raises(NotifyError, match="status report of 59 octets"):
        codec.decode_deliver(codec.encode_deliver(report))
    with pytest.raises(PermanentSendError, match="longer than 140"):
        codec.encode_submit(codec.Submit(("1",), b"x" * 141))
    with pytest.raises(PermanentSendError, match="field too long"):
        codec.encode_submit(codec.Submit(("1" * 22,), b"x"))


# --- the client against LocalIsmg ----------------------------------------------------------
def test_cmpp_connect_authenticates(ismg: LocalIsmg) -> None:
    channel = _channel(ismg)
    try:
        (result,) = channel.send_batch([Outgoing("a1", "13800001111", "t", SHORT)])
        assert isinstance(result, SendResult) and len(result.provider_ids[0]) == 16
        assert ismg.state.connects == 1 and ismg.state.refused == 0
    finally:
        channel.close()
    for wrong in (_channel(ismg, secret="wrong"), _channel(ismg, source="900002")):
        (refused,) = wrong.send_batch([Outgoing("a2", "13800001111", "t", SHORT)])
        assert isinstance(refused, PermanentSendError)
    assert ismg.state.refused == 2 and ismg.state.submits == 1
    ismg.reject_auth = True
    (refused,) = _channel(ismg).send_batch([Outgoing("a3", "13800001111", "t", SHORT)])
    assert isinstance(refused, PermanentSendError) and refused.context["status"] == 3


def test_cmpp_thousand_messages_every_receipt_matched_none_twice(ismg: LocalIsmg) -> None:
    channel = _channel(ismg)
    try:
        results = channel.send_batch(_items(1200))
        assert all(isinstance(r, SendResult) for r in results)
        ids = _ids(results)
        assert len(ids) == 600 * 1 + 600 * 2 == len(set(ids))
        receipts = wait_receipts(channel, len(ids))
        assert sorted(r.provider_id for r in receipts) == sorted(ids)
        assert {r.status for r in receipts} == {"delivered"}
        channel.confirm(receipts)
        deadline = time.monotonic() + 5
        while len(ismg.state.acked) < len(ids) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(ismg.state.acked) == len(ids) and not ismg.state.queue
        assert ismg.state.duplicates == 0 and len(ismg.state.accepted) == len(ids)
        assert all(n == (2 if i % 2 else 1) for i, n in enumerate(ismg.state.handsets.values()))
    finally:
        channel.close()


def test_cmpp_long_chinese_is_split_and_reassembled_by_the_ismg(ismg: LocalIsmg) -> None:
    channel = _channel(ismg)
    try:
        (result,) = channel.send_batch([Outgoing("long", "13800005555", "t", LONG)])
        assert isinstance(result, SendResult) and len(result.provider_ids) == 2
        parts = sorted(ismg.state.parts.values(), key=lambda s: s.pk_number)
        assert [(p.pk_total, p.pk_number, p.tp_udhi, p.msg_fmt) for p in parts] == [
            (2, n, 1, codec.FMT_UCS2) for n in (1, 2)
        ]
        assert all(len(p.content) <= 140 and p.registered_delivery == 1 for p in parts)
        assert ismg.state.texts() == {"13800005555": [LONG]}
    finally:
        channel.close()


def test_cmpp_connection_drop_mid_batch_then_retry_without_duplicates(ismg: LocalIsmg) -> None:
    ismg.drop_after = 400  # the 400th submit is accepted, its answer never sent
    items = _items(1000)
    channel = _channel(ismg)
    try:
        results = channel.send_batch(items)
        retry = [i for i, r in zip(items, results, strict=True) if not isinstance(r, SendResult)]
        assert retry and all(isinstance(r, (SendResult, RetryableSendError)) for r in results)
        done = {i.ref: r for i, r in zip(items, results, strict=True) if isinstance(r, SendResult)}
        for _ in range(3):  # what the outbox does: resend with the same references
            again = channel.send_batch(retry)
            for item, result in zip(retry, again, strict=True):
                if isinstance(result, SendResult):
                    done[item.ref] = result
            retry = [i for i in retry if i.ref not in done]
        assert not retry and len(done) == 1000
        ids = [p for r in done.values() if isinstance(r, SendResult) for p in r.provider_ids]
        assert len(ids) == 500 + 1000 == len(set(ids))
        assert ismg.state.duplicates >= 1 and ismg.state.connects == 2
        assert len(ismg.state.handsets) == 1000
        assert sum(ismg.state.handsets.values()) == len(ismg.state.accepted) == len(ids)
        receipts = wait_receipts(channel, len(ids))
        assert sorted(r.provider_id for r in receipts) == sorted(ids)  # each once
    finally:
        channel.close()


def test_cmpp_outbox_dispatch_across_a_drop(factory: sessionmaker[Session]) -> None:
    ismg = LocalIsmg().start()
    ismg.drop_after = 250
    channels, limiters = config.build(
        {
            "sms": {
                "kind": "cmpp",
                "host": "127.0.0.1",
                "port": ismg.port,
                "source_addr": "900001",
                "shared_secret": "secret",
                "per_second": 100000,
            }
        }
    )
    intents = [
        outbox.Intent("warning", str(i), "sms", "auto-1", f"1380000{i:04d}", "t", LONG)
        for i in range(300)
    ]
    with transaction(factory) as s:
        outbox.enqueue(s, intents, T0)
    policy = outbox.RetryPolicy(base_seconds=0.05)
    dispatcher = Dispatcher(factory, channels, limiters, batch_size=100, policy=policy)
    try:
        dispatcher.run(receipt_wait=10, interval=0.05)
    finally:
        dispatcher.close()
        ismg.stop()
    with factory() as s:
        statuses = dict(s.execute(select(OutboxRow.status, func.count()).group_by("status")).all())
        assert statuses == {"delivered": 300}
        assert s.scalar(select(func.count()).select_from(ReceiptRow)) == 600
    assert ismg.state.duplicates >= 1 and len(ismg.state.accepted) == 600
    assert set(ismg.state.handsets.values()) == {2}  # every part reached its handset once


def test_cmpp_submit_results_are_classified(ismg: LocalIsmg) -> None:
    ismg.results = {
        "13800000001": codec.SUBMIT_FLOW_CONTROL,
        "13800000002": codec.SUBMIT_BAD_LENGTH,
    }
    ismg.undeliverable.add("13800000003")
    channel = _channel(ismg)
    try:
        throttled, bad, undeliverable = channel.send_batch(
            [Outgoing(f"x{i}", f"1380000000{i}", "t", "hi") for i in (1, 2, 3)]
        )
        assert isinstance(throttled, RetryableSendError) and throttled.context["result"] == 8
        assert isinstance(bad, PermanentSendError) and bad.context["result"] == 4
        assert isinstance(undeliverable, SendResult)
        (receipt,) = wait_receipts(channel, 1)
        assert (receipt.status, receipt.detail) == ("failed", {"stat": "UNDELIV"})
    finally:
        channel.close()


def test_cmpp_unconfirmed_reports_come_again_after_reconnect(ismg: LocalIsmg) -> None:
    check_unconfirmed_receipts_come_again(lambda: _channel(ismg), ismg.state.acked)


def test_cmpp_active_test_is_answered(ismg: LocalIsmg) -> None:
    ismg.active_test_interval = 0.05
    channel = _channel(ismg)
    try:
        channel.send_batch([Outgoing("c1", "13800001111", "t", "hi")])
        deadline = time.monotonic() + 5
        while ismg.state.active_tests_answered < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert ismg.state.active_tests_answered >= 2
        (again,) = channel.send_batch([Outgoing("c2", "13800001112", "t", "hi")])
        assert isinstance(again, SendResult) and ismg.state.connects == 1
    finally:
        channel.close()


def test_cmpp_malformed_pdu_ends_the_session_on_both_sides(ismg: LocalIsmg) -> None:
    with socket.create_connection(("127.0.0.1", ismg.port), timeout=5) as raw:
        raw.sendall(codec.HEADER.pack(12, 0x77, 1))
        assert raw.recv(16) == b""  # the ISMG hangs up
    assert ismg.state.malformed == 1
    ismg.malformed_after = 1  # the ISMG garbles its first CMPP_SUBMIT_RESP
    channel = _channel(ismg)
    try:
        (lost,) = channel.send_batch([Outgoing("m1", "13800001111", "t", "hi")])
        assert isinstance(lost, RetryableSendError)
        (again,) = channel.send_batch([Outgoing("m1", "13800001111", "t", "hi")])
        assert isinstance(again, SendResult) and ismg.state.duplicates == 1
        assert ismg.state.handsets == {"13800001111": 1}
    finally:
        channel.close()


def test_cmpp_unreachable_ismg_is_retryable() -> None:
    spec = CmppConfig("127.0.0.1", 0, "900001", "secret")
    result = send_to_a_closed_port(lambda port: CmppChannel("sms", replace(spec, port=port)))
    assert isinstance(result, RetryableSendError)


def test_cmpp_config_and_logs_hold_no_secret_or_number(
    ismg: LocalIsmg, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    ismg.shared_secret = "s3cr3t-Zq9"
    spec = {"host": "127.0.0.1", "port": ismg.port, "source_addr": "900001"}
    channels, limiters = config.build(
        {"sms": {"kind": "cmpp", **spec, "shared_secret": "s3cr3t-Zq9", "window": 4}}
    )
    channel = channels["sms"]
    assert isinstance(channel, CmppChannel) and channel.idempotent
    assert limiters["sms"].take(1000) == 100  # the default CMPP rate: 100/s burst
    try:
        results = channel.send_batch(_items(20, "log"))
        assert all(isinstance(r, SendResult) for r in results)
        wait_receipts(channel, 30)
    finally:
        channel.close()
    ismg.malformed_after = ismg.state.submits + 1
    channel = _channel(ismg, secret="s3cr3t-Zq9")
    channel.send_batch([Outgoing("log-x", "13800009999", "t", "hi")])
    channel.close()
    messages = [r.getMessage() for r in caplog.records]
    assert messages and not any("s3cr3t" in m or "1380000" in m for m in messages)
