"""Tiers drive the automated contacts: an SMS per automated warning, a robot call per assisted
one, through the real local HTTP SMS gateway and voice robot; a contact that does not reach or
is not confirmed escalates the tier, once, and a second run sends nothing again."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import String, func, select
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
    OutreachReport,
    apply_outcomes,
    run_outreach,
    unwanted_calls,
)
from fanzha.workflow.tier.rules import TierRules, escalate_at_once, load_tier_rules
from fanzha.workflow.warning.models import EarlyWarning

RULES = load_tier_rules(None)
AT_ONCE = escalate_at_once(RULES)  # the policy before 2026.12-3: every unconfirmed call moves up
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
Runner = Callable[[], OutreachReport]


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


def _run(
    factory: sessionmaker[Session], dispatcher: Dispatcher, rules: TierRules = AT_ONCE
) -> object:
    return run_outreach(
        factory,
        lambda: dispatcher.run(until_idle=True, receipt_wait=5),
        rules,
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
        assert not apply_outcomes(session, AT_ONCE, dt.datetime.utcnow()).outcomes
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
        AT_ONCE,
        OutreachChannels(voice=None),
        dt.datetime.utcnow,
    )
    assert report.queued == Counter({"sms": 1})
    gateway, robot = dispatcher.servers  # type: ignore[attr-defined]
    assert set(gateway.state.handsets) == {"13700000006"} and not robot.state.calls
    assert _tiers(factory)["PB"] == "assisted"  # escalated; no call channel to go further


# resident → (phone, victim score, level) of assisted warnings for the escalation policy
POLICY = {
    "QD": (13700000008, 0.40, 2),  # no answer twice, likely victim → officer
    "QG": (13700000009, 0.15, 2),  # no answer twice, below the gate → held, fallback SMS
    "QH": (13700000016, 0.15, 2),  # answered, not confirmed: no retry, held, fallback SMS
    "QN": (13700000018, None, 3),  # no victim model, 高: no answer twice → officer
}


def _store_policy(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as session:
        for resident, (phone, score, level) in POLICY.items():
            session.add(
                EarlyWarning(
                    resident_id=resident,
                    station="S1",
                    phone=phone,
                    fraud_type="impersonation",
                    episode_start=T0,
                    warned_at=T0,
                    last_signal_at=T0,
                    level=level,
                    score=2.0,
                    reasons=[{"kind": "indicator_call", "time": T0.isoformat(sep=" ")}],
                    rules_version="r",
                    tier="assisted",
                    tier_at=T0,
                    tier_as_of=T0,
                    victim_score=score,
                )
            )


def _audits(factory: sessionmaker[Session], action: str) -> Counter[str]:
    with factory() as s:
        rows = s.execute(
            select(EarlyWarning.resident_id)
            .join(AuditRecord, AuditRecord.object_id == func.cast(EarlyWarning.id, String))
            .where(AuditRecord.action == action)
        )
        return Counter(r for (r,) in rows)


def _clocked(dispatcher: Dispatcher, rules: TierRules) -> tuple[list[dt.datetime], Runner]:
    """A clock the test moves (the dispatcher's and outreach's) and a ``fanzha notify run``
    on it (the dispatcher prunes unwanted repeated calls, as the CLI's does)."""
    now = [T0 + dt.timedelta(hours=1)]
    dispatcher.clock = lambda: now[0]
    dispatcher.prune = unwanted_calls

    def run() -> OutreachReport:
        return run_outreach(
            dispatcher.factory,
            lambda: dispatcher.run(until_idle=True, receipt_wait=5),
            rules,
            OutreachChannels(),
            lambda: now[0],
        )

    return now, run


def _repeated_calls(factory: sessionmaker[Session]) -> dict[str, tuple[str, dt.datetime | None]]:
    """resident → (status, not_before) of its ``auto-2`` robot call."""
    with factory() as s:
        rows = s.execute(
            select(EarlyWarning.resident_id, OutboxRow.status, OutboxRow.not_before)
            .join(OutboxRow, OutboxRow.subject_id == func.cast(EarlyWarning.id, String))
            .where(OutboxRow.attempt_key == "auto-2")
        )
        return {r: (status, at) for r, status, at in rows}


def test_outreach_policy_calls_again_then_sends_only_likely_victims_to_an_officer(
    factory: sessionmaker[Session], dispatcher: Dispatcher
) -> None:
    assert RULES.escalation.retry_calls == 1 and RULES.escalation.retry_after_minutes == 60
    rules = RULES.model_copy(
        update={
            "escalation": RULES.escalation.model_copy(update={"min_victim_score_to_officer": 0.3})
        }
    )
    _store_policy(factory)
    gateway, robot = dispatcher.servers  # type: ignore[attr-defined]
    now, run = _clocked(dispatcher, rules)
    decided = now[0]
    first = run()
    assert first.queued == Counter({"voice": 4, "sms": 1})
    assert first.decisions["retry"] == 3
    # the repeated calls are queued with the outcome, not before the hour is up
    assert first.scheduled == Counter({"voice": 3})
    hour = decided + dt.timedelta(minutes=60)
    assert _repeated_calls(factory) == dict.fromkeys(("QD", "QG", "QN"), ("pending", hour))
    with factory() as s:
        retry = select(ContactOutcome.retry_at).where(ContactOutcome.decision == "retry")
        assert set(s.scalars(retry)) == {hour}
    assert dispatcher.waiting() == (3, hour) and dispatcher.outstanding() == 0
    assert len(robot.state.calls) == 4 and set(gateway.state.handsets) == {"13700000016"}
    assert set(_tiers(factory).values()) == {"assisted"}  # nobody to an officer yet
    assert _audits(factory, "tier_retry") == Counter({"QD": 1, "QG": 1, "QN": 1})
    assert _audits(factory, "tier_hold") == Counter({"QH": 1})

    now[0] = decided + dt.timedelta(minutes=30)
    early = run()  # within the hour: the repeated calls wait
    assert not early.queued and not early.scheduled and not early.outcomes
    assert len(robot.state.calls) == 4
    assert {status for status, _ in _repeated_calls(factory).values()} == {"pending"}

    now[0] = decided + dt.timedelta(minutes=61)
    second = run()
    assert second.queued == Counter({"sms": 1})  # the calls were queued already
    assert len(robot.state.calls) == 7
    assert {status for status, _ in _repeated_calls(factory).values()} == {"no_answer"}
    assert gateway.state.handsets == {"13700000016": 1, "13700000009": 1}  # fallback SMS
    assert _tiers(factory) == {
        "QD": "one_to_one",
        "QG": "assisted",
        "QH": "assisted",
        "QN": "one_to_one",
    }
    assert _audits(factory, "tier_escalate") == Counter({"QD": 1, "QN": 1})
    assert _audits(factory, "tier_hold") == Counter({"QH": 1, "QG": 1})
    with factory() as s:
        by = {w.resident_id: w for w in s.scalars(select(EarlyWarning))}
        codes = {k: [r["code"] for r in w.tier_reasons or []] for k, w in by.items()}
        assert codes["QD"][-3:] == ["retry", "escalated", "officer_score"]
        assert codes["QN"][-1] == "officer_level"
        assert codes["QG"][-3:] == ["retry", "held_score", "sms_fallback"]
        assert "低于转警员门槛 30%" in (by["QG"].tier_reasons or [])[-2]["zh"]
        assert "below officer gate 30%" in (by["QG"].tier_reasons or [])[-2]["en"]
        assert by["QD"].tier_rank is not None

    now[0] = decided + dt.timedelta(minutes=122)
    again = run()  # a re-run sends nothing twice
    assert not again.queued and not again.outcomes
    assert gateway.state.duplicates == 0 and robot.state.duplicates == 0
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(OutboxRow)) == 9
        assert s.scalar(select(func.count()).select_from(ContactOutcome)) == 9


def test_outreach_repeated_call_of_a_warning_gone_from_assisted_is_not_made(
    factory: sessionmaker[Session], dispatcher: Dispatcher
) -> None:
    _store_policy(factory)
    _, robot = dispatcher.servers  # type: ignore[attr-defined]
    now, run = _clocked(dispatcher, RULES)
    decided = now[0]
    assert run().scheduled == Counter({"voice": 3})
    with transaction(factory) as session:  # within the hour the desk takes QG one-to-one
        qg = session.scalars(select(EarlyWarning).where(EarlyWarning.resident_id == "QG")).one()
        qg.tier = "one_to_one"
    now[0] = decided + dt.timedelta(minutes=61)
    run()
    assert len(robot.state.calls) == 4 + 2
    calls = _repeated_calls(factory)
    assert calls["QG"][0] == "cancelled" and calls["QD"][0] == calls["QN"][0] == "no_answer"
    assert dispatcher.waiting() == (0, None) and dispatcher.outstanding() == 0
