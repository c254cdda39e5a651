"""The outbox and the dispatcher on SQLite and PostgreSQL, against the local SMSC and gateway."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from fanzha.cli.notify import audit_hook
from fanzha.errors import PermanentSendError, RetryableSendError
from fanzha.notify import config, outbox, service
from fanzha.notify.channel import Outgoing, Receipt, SendResult, mask_phone
from fanzha.notify.dispatcher import Dispatcher
from fanzha.notify.models import OutboxRow, ReceiptRow
from fanzha.notify.testing.sms_gateway import LocalSmsGateway
from fanzha.notify.testing.smsc import LocalSmsc
from fanzha.store.database import transaction
from fanzha.workflow.audit.models import AuditRecord
from fanzha.workflow.audit.service import verify

T0 = dt.datetime(2026, 12, 4, 9, 0)
LONG = "【反诈预警】" + "公检法机关不会通过电话办案，不会要求转账到安全账户。" * 3


def _intents(n: int, channel: str, body: str = "【反诈预警】测试") -> list[outbox.Intent]:
    return [
        outbox.Intent("warning", str(i), channel, "auto-1", f"1380000{i:04d}", "t", body)
        for i in range(n)
    ]


def _statuses(factory: sessionmaker[Session]) -> dict[str, int]:
    with factory() as s:
        rows = s.execute(select(OutboxRow.status, func.count()).group_by(OutboxRow.status))
        return dict(rows.all())


class Scripted:
    """A channel whose results the test decides (records what it was asked to send)."""

    def __init__(self, results: list[SendResult | Exception], idempotent: bool = True) -> None:
        self.name, self.idempotent = "fake", idempotent
        self.results, self.sent = results, []  # type: ignore[var-annotated]
        self.receipts: list[Receipt] = []
        self.confirmed: list[Receipt] = []

    def send_batch(self, items: Sequence[Outgoing]) -> list[object]:
        self.sent.extend(items)
        return [self.results.pop(0) for _ in items]

    def poll_receipts(self) -> list[Receipt]:
        return list(self.receipts)

    def confirm(self, receipts: Sequence[Receipt]) -> None:
        self.confirmed.extend(receipts)
        self.receipts = [r for r in self.receipts if r not in receipts]

    def close(self) -> None:
        pass


def test_outbox_enqueue_is_idempotent(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as s:
        assert outbox.enqueue(s, _intents(5, "sms"), T0) == 5
    with transaction(factory) as s:
        assert outbox.enqueue(s, _intents(7, "sms"), T0) == 2
        ref = service.request_contact(
            s, warning_id=3, fraud_type="romance", recipient="13800000003", channel="sms", now=T0
        )
    assert ref == outbox.ref_for("warning", "3", "sms", "auto-1")
    assert _statuses(factory) == {"pending": 7}


def test_outbox_dispatch_smpp_and_http_receipts_matched(
    factory: sessionmaker[Session], smsc: LocalSmsc, gateway: LocalSmsGateway
) -> None:
    specs = {
        "sms": {
            "kind": "smpp",
            "host": "127.0.0.1",
            "port": smsc.port,
            "system_id": "fanzha",
            "password": "secret",
            "per_second": 100000,
        },
        "sms_http": {
            "kind": "http_sms",
            "url": gateway.url,
            "token": "test-token",
            "per_second": 100000,
        },
    }
    channels, limiters = config.build(specs)
    with transaction(factory) as s:
        outbox.enqueue(s, _intents(60, "sms", LONG) + _intents(40, "sms_http"), T0)
    dispatcher = Dispatcher(factory, channels, limiters, batch_size=25)
    try:
        counts = dispatcher.run(receipt_wait=5)
    finally:
        dispatcher.close()
    assert counts.sent == 100 and counts.receipts == 60 * 2 + 40
    assert _statuses(factory) == {"delivered": 100}
    assert len(smsc.state.accepted) == 120 and smsc.state.duplicates == 0
    assert len(gateway.state.accepted) == 40 and gateway.state.reports == {}
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(ReceiptRow)) == 160


def test_outbox_retry_then_permanent_failure(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as s:
        outbox.enqueue(s, _intents(2, "fake"), T0)
    fake = Scripted(
        [RetryableSendError("busy"), PermanentSendError("bad number"), SendResult(("p1",))]
    )
    clock = [T0]
    dispatcher = Dispatcher(
        factory,
        {"fake": fake},
        clock=lambda: clock[0],
        policy=outbox.RetryPolicy(max_attempts=3, base_seconds=10),
    )
    dispatcher.run_once()
    assert _statuses(factory) == {"pending": 1, "failed": 1}
    dispatcher.run_once()  # not due yet
    assert len(fake.sent) == 2
    clock[0] = T0 + dt.timedelta(seconds=11)
    dispatcher.run_once()
    assert _statuses(factory) == {"sent": 1, "failed": 1}
    assert [i.ref for i in fake.sent].count(fake.sent[0].ref) == 2  # same reference resent
    with factory() as s:
        row = s.scalars(select(OutboxRow).where(OutboxRow.status == "sent")).one()
        assert row.attempts == 2 and row.provider_id == "p1"


def test_outbox_gives_up_after_max_attempts(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as s:
        outbox.enqueue(s, _intents(1, "fake"), T0)
    fake = Scripted([RetryableSendError("busy")] * 2)
    clock = [T0]
    dispatcher = Dispatcher(
        factory,
        {"fake": fake},
        clock=lambda: clock[0],
        policy=outbox.RetryPolicy(max_attempts=2, base_seconds=1),
    )
    dispatcher.run_once()
    clock[0] += dt.timedelta(seconds=5)
    dispatcher.run_once()
    assert _statuses(factory) == {"failed": 1}


def test_outbox_stale_claim_is_resent_only_on_idempotent_channels(
    factory: sessionmaker[Session],
) -> None:
    lease = dt.timedelta(seconds=60)
    with transaction(factory) as s:
        outbox.enqueue(s, _intents(2, "fake") + _intents(2, "robot"), T0)
        # a dispatcher claims and dies before recording
        outbox.claim(s, "fake", 10, T0, lease, idempotent=True, audit=outbox.no_audit)
        outbox.claim(s, "robot", 10, T0, lease, idempotent=False, audit=outbox.no_audit)
    fake = Scripted([SendResult(("a",)), SendResult(("b",))])
    robot = Scripted([], idempotent=False)
    clock = [T0 + dt.timedelta(seconds=30)]
    dispatcher = Dispatcher(
        factory, {"fake": fake, "robot": robot}, lease=lease, clock=lambda: clock[0]
    )
    dispatcher.run_once()
    assert fake.sent == [] and _statuses(factory) == {"sending": 4}  # lease not over
    clock[0] = T0 + dt.timedelta(seconds=61)
    dispatcher.run_once()
    assert len(fake.sent) == 2 and robot.sent == []
    assert _statuses(factory) == {"sent": 2, "unknown": 2}


def test_outbox_late_result_of_a_reclaimed_row_is_ignored(factory: sessionmaker[Session]) -> None:
    lease = dt.timedelta(seconds=1)
    with transaction(factory) as s:
        outbox.enqueue(s, _intents(1, "fake"), T0)
        old = outbox.claim(s, "fake", 1, T0, lease, idempotent=True, audit=outbox.no_audit)
    with transaction(factory) as s:
        new = outbox.claim(
            s,
            "fake",
            1,
            T0 + dt.timedelta(seconds=2),
            lease,
            idempotent=True,
            audit=outbox.no_audit,
        )
    with transaction(factory) as s:
        policy = outbox.RetryPolicy()
        late = outbox.record(s, old, [PermanentSendError("x")], T0, policy, outbox.no_audit)
        fresh = outbox.record(s, new, [SendResult(("p",))], T0, policy, outbox.no_audit)
    assert late == {"sent": 0, "retry": 0, "failed": 0} and fresh["sent"] == 1
    assert _statuses(factory) == {"sent": 1}


def test_outbox_multipart_delivered_only_when_every_part_is(
    factory: sessionmaker[Session],
) -> None:
    with transaction(factory) as s:
        outbox.enqueue(s, _intents(2, "fake"), T0)
    fake = Scripted([SendResult(("a1", "a2")), SendResult(("b1",))])
    dispatcher = Dispatcher(factory, {"fake": fake}, clock=lambda: T0)
    dispatcher.run_once()
    fake.receipts = [
        Receipt("a1", "delivered"),
        Receipt("b1", "failed"),
        Receipt("zz", "delivered"),
    ]
    dispatcher.run_once()
    assert _statuses(factory) == {"sent": 1, "failed": 1}
    assert [r.provider_id for r in fake.confirmed] == ["a1", "b1"]  # the unknown one kept
    fake.receipts.append(Receipt("a2", "delivered"))
    fake.receipts.append(Receipt("a1", "delivered"))  # a resent receipt changes nothing
    dispatcher.run_once()
    assert _statuses(factory) == {"delivered": 1, "failed": 1}
    with factory() as s:
        assert service.contact_states(s, 0)[0].status == "delivered"


def test_outbox_every_send_and_receipt_is_audited(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as s:
        outbox.enqueue(s, _intents(2, "fake"), T0)
    fake = Scripted([SendResult(("a",)), PermanentSendError("bad")])
    dispatcher = Dispatcher(factory, {"fake": fake}, audit=audit_hook, clock=lambda: T0)
    dispatcher.run_once()
    fake.receipts = [Receipt("a", "delivered")]
    dispatcher.run_once()
    with factory() as s:
        records = list(s.scalars(select(AuditRecord).order_by(AuditRecord.id)))
        assert [(r.action, r.object_id) for r in records] == [
            ("notify.sent", "0"),
            ("notify.failed", "1"),
            ("notify.receipt", "0"),
        ]
        assert all("1380000" not in str(r.detail) for r in records)  # no phone numbers
        assert verify(session=s).first_bad_id is None


def test_outbox_provider_without_dedupe_is_not_idempotent() -> None:
    channels, _ = config.build(
        {
            "a": {"kind": "http_sms", "url": "http://127.0.0.1:9", "token": "t"},
            "b": {
                "kind": "http_sms",
                "url": "http://127.0.0.1:9",
                "token": "t",
                "provider_dedupes": False,
            },
            "c": {"kind": "wecom"},
        }
    )
    assert [channels[k].idempotent for k in "abc"] == [True, False, False]


def test_outbox_logs_hold_no_phone_numbers(
    factory: sessionmaker[Session], smsc: LocalSmsc, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with transaction(factory) as s:
        outbox.enqueue(s, _intents(5, "sms"), T0)
    channels, _ = config.build(
        {
            "sms": {
                "kind": "smpp",
                "host": "127.0.0.1",
                "port": smsc.port,
                "system_id": "fanzha",
                "password": "secret",
            }
        }
    )
    dispatcher = Dispatcher(factory, channels, audit=audit_hook)
    dispatcher.run(receipt_wait=2)
    dispatcher.close()
    assert _statuses(factory) == {"delivered": 5}
    assert caplog.records and not any("1380000" in r.getMessage() for r in caplog.records)
    assert mask_phone("13800001234") == "138****1234"
    assert mask_phone("wang@station.example") == "w***@station.example"


def test_outbox_voice_contact_ends_with_the_call_outcome(factory: sessionmaker[Session]) -> None:
    from fanzha.notify.testing.voice_robot import LocalVoiceRobot

    robot = LocalVoiceRobot("cb").start()
    channels, limiters = config.build(
        {
            "voice": {
                "kind": "voice",
                "url": robot.url,
                "token": "voice-token",
                "callback_secret": "cb",
            }
        }
    )
    with transaction(factory) as s:
        for wid, phone in ((1, "13700000001"), (2, "13700000008")):
            service.request_contact(
                s,
                warning_id=wid,
                fraud_type="impersonate_police",
                recipient=phone,
                channel="voice",
                form="voice",
                now=T0,
            )
    dispatcher = Dispatcher(factory, channels, limiters, audit=audit_hook)
    try:
        dispatcher.run(receipt_wait=5)
    finally:
        dispatcher.close()
        robot.stop()
    with factory() as s:
        assert [c.status for c in service.contact_states(s, 1)] == ["confirmed"]
        assert [c.status for c in service.contact_states(s, 2)] == ["no_answer"]
    assert "请按1确认" in next(iter(robot.state.scripts.values()))


def test_outbox_not_before_row_waits_for_its_time_then_goes_once(
    factory: sessionmaker[Session], gateway: LocalSmsGateway
) -> None:
    later = T0 + dt.timedelta(minutes=60)
    with transaction(factory) as s:
        outbox.enqueue(s, _intents(2, "sms"), T0)  # due now
        service.request_contact(
            s,
            warning_id=7,
            fraud_type="romance",
            recipient="13800000007",
            channel="sms",
            attempt="auto-2",
            now=T0,
            not_before=later,
        )
        assert outbox.enqueue(s, [], T0) == 0
    clock = [T0]
    channels, limiters = config.build(
        {"sms": {"kind": "http_sms", "url": gateway.url, "token": "test-token"}}
    )
    dispatcher = Dispatcher(factory, channels, limiters, clock=lambda: clock[0])
    try:
        counts = dispatcher.run(receipt_wait=30)  # returns: a waiting row is not outstanding
        assert counts.sent == 2 and set(gateway.state.handsets) == {"13800000000", "13800000001"}
        assert dispatcher.outstanding() == 0 and dispatcher.waiting() == (1, later)
        clock[0] = later - dt.timedelta(minutes=30)
        assert dispatcher.run(receipt_wait=5).sent == 0 and "13800000007" not in (
            gateway.state.handsets
        )
        clock[0] = later + dt.timedelta(minutes=1)
        assert dispatcher.waiting() == (0, None)
        assert dispatcher.run(receipt_wait=5).sent == 1
        assert dispatcher.run(receipt_wait=5).sent == 0  # once
    finally:
        dispatcher.close()
    assert gateway.state.handsets["13800000007"] == 1 and gateway.state.duplicates == 0
    assert _statuses(factory) == {"delivered": 3}
    with factory() as s:
        row = s.scalars(select(OutboxRow).where(OutboxRow.attempt_key == "auto-2")).one()
        assert row.not_before == later and row.sent_at == later + dt.timedelta(minutes=1)


def test_outbox_prune_cancels_waiting_rows_before_they_go(factory: sessionmaker[Session]) -> None:
    later = T0 + dt.timedelta(minutes=60)
    with transaction(factory) as s:
        intents = [
            outbox.Intent(
                "warning", str(i), "fake", "auto-2", f"1380000{i:04d}", "t", "b", "zh", "", later
            )
            for i in range(2)
        ]
        outbox.enqueue(s, intents, T0)
        ids = list(s.scalars(select(OutboxRow.id).order_by(OutboxRow.id)))
    fake = Scripted([SendResult(("p1",))])
    clock = [T0]
    dispatcher = Dispatcher(
        factory,
        {"fake": fake},
        audit=audit_hook,
        clock=lambda: clock[0],
        prune=lambda _s, _now: ids[:1],
    )
    assert dispatcher.run_once().cancelled == 1
    assert dispatcher.run_once().cancelled == 0  # already final
    assert dispatcher.waiting() == (1, later) and dispatcher.outstanding() == 0
    clock[0] = later
    assert dispatcher.run_once().sent == 1
    assert [i.ref for i in fake.sent] == [outbox.ref_for("warning", "1", "fake", "auto-2")]
    assert _statuses(factory) == {"cancelled": 1, "sent": 1}
    with factory() as s:
        actions = list(s.scalars(select(AuditRecord.action).order_by(AuditRecord.id)))
        assert actions == ["notify.cancelled", "notify.sent"]
        assert verify(session=s).first_bad_id is None
