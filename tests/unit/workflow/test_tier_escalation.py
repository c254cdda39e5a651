"""The escalation policy (rules 2026.12-3): a repeated robot call before an officer, a victim-
score gate for escalation to one-to-one, a fallback SMS for held warnings, a new signal after a
hold; the engine, then the store (outbox rows whose final status is set by hand)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fanzha.errors import ConfigError
from fanzha.notify.models import OutboxRow
from fanzha.store.database import transaction
from fanzha.workflow.audit.models import AuditRecord
from fanzha.workflow.tier.engine import Contact, DeskBudget, TierInput, after_contact, decide
from fanzha.workflow.tier.models import ContactOutcome
from fanzha.workflow.tier.outreach import (
    OutreachChannels,
    apply_outcomes,
    attempt_number,
    queue_contacts,
    unwanted_calls,
)
from fanzha.workflow.tier.rules import (
    TierRules,
    escalate_at_once,
    load_tier_rules,
    parse_tier_rules,
)
from fanzha.workflow.tier.service import (
    TierConfig,
    assign_tiers,
    calls_repeated,
    held_below_gate,
)
from fanzha.workflow.warning.models import EarlyWarning

RULES = load_tier_rules(None)
T0 = dt.datetime(2026, 11, 1, 9, 0)


def call(event: str | None, attempt: int = 1, score: float | None = 0.2, level: int = 2) -> Contact:
    return Contact("voice", event, attempt, "assisted", score, level)


def gate(value: float, **more: object) -> TierRules:
    update = {"min_victim_score_to_officer": value, **more}
    return RULES.model_copy(update={"escalation": RULES.escalation.model_copy(update=update)})


def test_policy_packaged_rules() -> None:
    esc = RULES.escalation
    assert RULES.version == "2026.12-3"
    assert esc.retry_calls == 1 and esc.retry_after_minutes == 60
    assert set(esc.retry_on) == {"unanswered", "failed"}
    assert 0 < esc.min_victim_score_to_officer < RULES.one_to_one.min_victim_score
    assert esc.min_level_to_officer_without_model == 3 and esc.sms_fallback
    assert esc.retry_below_victim_score == RULES.one_to_one.min_victim_score
    assert not esc.new_signal_after_held  # measured: it costs precision (docs/tiers.md)


def test_policy_rules_are_validated(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"escalation\.retry_on"):
        parse_tier_rules(b'version = "x"\n[escalation]\nretry_on = ["confirmed"]\n', "bad.toml")
    with pytest.raises(ConfigError, match=r"escalation\.min_victim_score_to_officer"):
        parse_tier_rules(
            b'version = "x"\n[escalation]\nmin_victim_score_to_officer = 1.5\n', "bad.toml"
        )
    with pytest.raises(ConfigError, match=r"escalation\.retry_cals"):
        parse_tier_rules(b'version = "x"\n[escalation]\nretry_cals = 1\n', "bad.toml")


def test_policy_no_answer_is_called_again_once_before_an_officer() -> None:
    first = after_contact(call("unanswered", 1), RULES)
    assert first.action == "retry" and first.tier == "assisted"
    assert first.retry_after == dt.timedelta(minutes=60)
    assert first.reasons[0]["code"] == "retry" and "60" in first.reasons[0]["zh"]
    assert after_contact(call("failed", 1), RULES).action == "retry"
    assert after_contact(call("unanswered", 2, score=0.9), RULES).action == "escalate"
    for heard in ("unconfirmed", "refused"):  # heard or declined: not called again
        assert after_contact(call(heard, 1, score=0.9), RULES).action == "escalate"


def test_policy_a_likely_victim_is_not_called_again() -> None:
    urgent = after_contact(call("unanswered", 1, score=0.6), RULES)  # a candidate, desk full
    assert urgent.action == "escalate" and urgent.tier == "one_to_one"
    assert after_contact(call("unanswered", 1, score=0.49), RULES).action == "retry"
    assert after_contact(call("unanswered", 1, score=None, level=3), RULES).action == "retry"


def test_policy_only_likely_victims_go_to_an_officer() -> None:
    rules = gate(0.3)
    up = after_contact(call("unanswered", 2, score=0.35), rules)
    assert up.action == "escalate" and up.tier == "one_to_one"
    assert [r["code"] for r in up.reasons] == ["escalated", "officer_score"]
    held = after_contact(call("unconfirmed", 1, score=0.25), rules)
    assert held.action == "hold" and held.tier == "assisted" and held.sms_fallback
    assert [r["code"] for r in held.reasons] == ["held_score", "sms_fallback"]
    assert "25%" in held.reasons[0]["zh"] and "officer gate 30%" in held.reasons[0]["en"]
    had_sms = Contact("voice", "refused", 1, "assisted", 0.25, 2, had_sms=True)
    assert not after_contact(had_sms, rules).sms_fallback


def test_policy_without_a_victim_model_the_level_decides() -> None:
    assert after_contact(call("unconfirmed", score=None, level=3), RULES).action == "escalate"
    low = after_contact(call("unconfirmed", score=None, level=2), RULES)
    assert low.action == "hold" and low.reasons[0]["code"] == "held_level"


def test_policy_sms_moves_only_automated_warnings() -> None:
    sms = Contact("sms", "unanswered", 1, "automated", 0.01, 2)
    assert after_contact(sms, RULES).tier == "assisted"  # a call next: no gate below officers
    fallback = Contact("sms", "failed", 1, "assisted", 0.2, 2, had_sms=True)
    assert after_contact(fallback, RULES).action == "none"
    assert after_contact(call(None), RULES).action == "reached"


def test_policy_at_once_is_the_policy_before() -> None:
    before = escalate_at_once(RULES)
    up = after_contact(call("unanswered", 1, score=0.11), before)
    assert up.action == "escalate" and [r["code"] for r in up.reasons] == ["escalated"]


def test_policy_a_new_signal_after_a_hold_makes_a_candidate() -> None:
    rules = gate(0.4, new_signal_after_held=True)
    item = TierInput("1", "S1", T0, 2, frozenset({"indicator_call"}), 0.2, held=True)
    d = decide(item, rules, DeskBudget(3), "assisted")
    assert d.tier == "one_to_one" and d.reasons[0]["code"] == "new_signal_after_held"
    full = DeskBudget(0)
    assert decide(item, rules, full, "assisted").tier == "assisted"  # competes for a place
    plain = TierInput("1", "S1", T0, 2, frozenset({"indicator_call"}), 0.2)
    assert decide(plain, rules, DeskBudget(3), "assisted").tier == "assisted"
    assert decide(item, RULES, DeskBudget(3), "assisted").tier == "assisted"  # packaged: off


def _finish(session: Session, status: str) -> None:
    """Every queued outbox row gets ``status`` as its final status (the channel's answer)."""
    for row in session.scalars(select(OutboxRow).where(OutboxRow.status == "pending")):
        row.status, row.final_at = status, T0


def test_policy_store_retry_then_hold_then_new_signal(factory: sessionmaker[Session]) -> None:
    rules = gate(0.3, new_signal_after_held=True)
    channels = OutreachChannels()
    with transaction(factory) as session:
        w = EarlyWarning(
            resident_id="PA",
            station="S1",
            phone=13700000008,
            fraud_type="impersonation",
            episode_start=T0,
            warned_at=T0,
            last_signal_at=T0,
            level=2,
            score=2.0,
            reasons=[{"kind": "indicator_call", "time": T0.isoformat(sep=" ")}],
            rules_version="r",
            tier="assisted",
            tier_at=T0,
            tier_as_of=T0,
            victim_score=0.2,
        )
        session.add(w)
        session.flush()
        wid = w.id
        assert queue_contacts(session, channels, T0).queued == {"voice": 1}
        _finish(session, "no_answer")
        applied = apply_outcomes(session, rules, T0)
        assert applied.decisions == {"retry": 1} and applied.scheduled == {"voice": 1}
        due = T0 + dt.timedelta(minutes=60)
        call = session.scalars(select(OutboxRow).where(OutboxRow.attempt_key == "auto-2")).one()
        assert call.status == "pending" and call.not_before == due  # queued with the outcome
        assert unwanted_calls(session, T0) == []  # still assisted: it is wanted
        session.delete(call)  # as for an outcome applied before migration 0020: no call yet
        session.flush()
        early = queue_contacts(session, channels, T0 + dt.timedelta(minutes=59))
        assert not early.queued and early.scheduled == {"voice": 1}
        call = session.scalars(select(OutboxRow).where(OutboxRow.attempt_key == "auto-2")).one()
        assert call.not_before == due and call.next_attempt_at == due
        late = queue_contacts(session, channels, due)
        assert not late.queued and not late.scheduled  # once
        _finish(session, "no_answer")
        assert apply_outcomes(session, rules, due).decisions == {"hold": 1}
        assert queue_contacts(session, channels, due).queued == {"sms": 1}  # the fallback
        assert not queue_contacts(session, channels, due).queued
        _finish(session, "expired")
        assert apply_outcomes(session, rules, due).decisions == {"none": 1}
    with factory() as s:
        warning = s.get(EarlyWarning, wid)
        assert warning is not None and warning.tier == "assisted"
        keys = sorted(s.scalars(select(OutboxRow.attempt_key).where(OutboxRow.channel == "voice")))
        assert [attempt_number(k) for k in keys] == [1, 2]
        decisions = sorted(str(d) for d in s.scalars(select(ContactOutcome.decision)))
        assert decisions == ["hold_sms", "none", "retry"]
        actions = list(s.scalars(select(AuditRecord.action).order_by(AuditRecord.id)))
        assert actions == ["tier_retry", "tier_hold"]
        assert held_below_gate(s) == {wid}  # what `fanzha evaluate` counts as held
        assert calls_repeated(s) == {wid}  # and as called again
    with transaction(factory) as session:  # a new signal: a one-to-one candidate
        warning = session.get(EarlyWarning, wid)
        assert warning is not None
        warning.last_signal_at = T0 + dt.timedelta(hours=3)
        assign_tiers(session, TierConfig(rules, capacity=3))
        assert warning.tier == "one_to_one" and warning.tier_rank == 1
        assert (warning.tier_reasons or [])[0]["code"] == "new_signal_after_held"
