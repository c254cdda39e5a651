"""Tiers drive the automated contacts: an SMS per automated warning, a robot call per assisted
one, through the real local HTTP SMS gateway and voice robot; a contact that does not reach or
is not confirmed escalates the tier, once, and a second run sends nothing again."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from fanzha.notify.channel import FINAL_STATUSES
from fanzha.notify.dispatcher import Dispatcher
from fanzha.notify.http_sms import HttpSmsChannel, HttpSmsConfig
from fanzha.notify.models import OutboxRow
from fanzha.notify.testing.sms_gateway import LocalSmsGateway
from fanzha.notify.testing.voice_robot import LocalVoiceRobot
from fanzha.notify.voice import VoiceConfig, VoiceRobotChannel
from fanzha.store.database import transaction
from fanzha.workflow.audit.models import AuditRecord
from fanzha.workflow.tier.models import ContactOutcome
from fanzha.workflow.tier.outreach import (
    EVENT_OF_STATUS,
    OutreachChannels,
    apply_outcomes,
    run_outreach,
)
from fanzha.workflow.tier.rules import load_tier_rules
from fanzha.workflow.warning.models import EarlyWarning

RULES = load_tier_rules(None)
T0 = dt.datetime(2026, 11, 1, 9, 0)
# resident → (tier, phone); the robot's outcome follows the last digit (0-5 confirmed,
# 6 answered, 7 refused, 8-9 no answer); the gateway fails the numbers in UNDELIVERABLE
WARNINGS = {
    "PA": ("automated", 13700000001),  # SMS delivered: reached, stays automated
    "PB": ("automated", 13700000006),  # SMS fails → assisted → call answered only → officer
    "PC": ("assisted", 13700000002),  # call confirmed: stays assisted
    "PD": ("assisted", 13700000008),  # no answer → officer
    "PE": ("watch", 13700000003),  # no contact
    "PF": ("one_to_one", 13700000004),  # the desk's: no robot
}
UNDELIVERABLE = {"13700000006"}


@pytest.fixture
def dispatcher(factory: sessionmaker[Session]) -> Iterator[Dispatcher]:
    gateway = LocalSmsGateway().start()
    gateway.state.undeliverable.update(UNDELIVERABLE)
    robot = LocalVoiceRobot("cb-secret", delay=0.01).start()
    channels = {
        "sms": HttpSmsChannel("sms", HttpSmsConfig(gateway.url, "test-token")),
        "voice": VoiceRobotChannel("voice", VoiceConfig(robot.url, "voice-token", "cb-secret")),
    }
    d = Dispatcher(factory, channels)
    d.servers = (gateway, robot)  # type: ignore[attr-defined]
    yield d
    d.close()
    gateway.stop()
    robot.stop()


def _store(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as session:
        for resident, (tier, phone) in WARNINGS.items():
            session.add(
                EarlyWarning(
                    resident_id=resident,
                    station="S1",
                    phone=phone,
                    fraud_type="impersonation",
                    episode_start=T0,
                    warned_at=T0,
                    last_signal_at=T0,
                    level=2,
                    score=2.0,
                    reasons=[{"kind": "indicator_call", "time": T0.isoformat(sep=" ")}],
                    rules_version="r",
                    tier=tier,
                    tier_at=T0,
                    tier_as_of=T0,
                )
            )


def _run(factory: sessionmaker[Session], dispatcher: Dispatcher) -> object:
    return run_outreach(
        factory,
        lambda: dispatcher.run(until_idle=True, receipt_wait=5),
        RULES,
        OutreachChannels(),
        dt.datetime.utcnow,
    )


def _tiers(factory: sessionmaker[Session]) -> dict[str, str | None]:
    with factory() as s:
        return dict(s.execute(select(EarlyWarning.resident_id, EarlyWarning.tier)).all())  # type: ignore[arg-type]


def test_every_final_status_maps_to_an_escalation_event() -> None:
    assert set(EVENT_OF_STATUS) == set(FINAL_STATUSES)


def test_outreach_contacts_by_tier_and_escalates_the_unreached_once(
    factory: sessionmaker[Session], dispatcher: Dispatcher
) -> None:
    _store(factory)
    report = _run(factory, dispatcher)
    gateway, robot = dispatcher.servers  # type: ignore[attr-defined]
    assert report.queued == Counter({"sms": 2, "voice": 3})  # type: ignore[attr-defined]
    assert report.outcomes == Counter(  # type: ignore[attr-defined]
        {"delivered": 1, "failed": 1, "confirmed": 1, "answered": 1, "no_answer": 1}
    )
    assert _tiers(factory) == {
        "PA": "automated",
        "PB": "one_to_one",
        "PC": "assisted",
        "PD": "one_to_one",
        "PE": "watch",
        "PF": "one_to_one",
    }
    assert gateway.state.handsets == {"13700000001": 1, "13700000006": 1}
    assert sorted(robot.state.calls) and len(robot.state.calls) == 3
    with factory() as s:
        escalations = s.scalar(
            select(func.count())
            .select_from(AuditRecord)
            .where(AuditRecord.action == "tier_escalate")
        )
        assert escalations == 3  # PB twice (SMS failed, call not confirmed), PD once
        assert s.scalar(select(func.count()).select_from(ContactOutcome)) == 5
        pb = s.scalars(select(EarlyWarning).where(EarlyWarning.resident_id == "PB")).one()
        assert [r["code"] for r in pb.tier_reasons or []][-2:] == ["escalated", "escalated"]
        assert pb.tier_rank is not None  # ranked on the desk's one-to-one list

    again = _run(factory, dispatcher)
    assert not again.queued and not again.outcomes  # type: ignore[attr-defined]
    assert gateway.state.duplicates == 0 and robot.state.duplicates == 0
    with transaction(factory) as session:
        assert not apply_outcomes(session, RULES, dt.datetime.utcnow()).outcomes
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(OutboxRow)) == 5


def test_outreach_leaves_closed_warnings_and_off_channels_alone(
    factory: sessionmaker[Session], dispatcher: Dispatcher
) -> None:
    _store(factory)
    with transaction(factory) as session:
        pa = session.scalars(select(EarlyWarning).where(EarlyWarning.resident_id == "PA")).one()
        pa.is_open = False
    report = run_outreach(
        factory,
        lambda: dispatcher.run(until_idle=True, receipt_wait=5),
        RULES,
        OutreachChannels(voice=None),
        dt.datetime.utcnow,
    )
    assert report.queued == Counter({"sms": 1})
    gateway, robot = dispatcher.servers  # type: ignore[attr-defined]
    assert set(gateway.state.handsets) == {"13700000006"} and not robot.state.calls
    assert _tiers(factory)["PB"] == "assisted"  # escalated; no call channel to go further
