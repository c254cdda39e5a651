"""The tier backtest: re-allocation in the replay, simulated contact outcomes, their figures."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pandas as pd

from fanzha.detection.pipeline import DetectedWarning
from fanzha.evaluation.metrics import evaluate
from fanzha.evaluation.tier_backtest import replay, replay_counts, tiered_facts
from fanzha.evaluation.tier_outcomes import ContactSim, engaged_from_truth
from fanzha.workflow.tier.rules import TierRules, escalate_at_once, load_tier_rules
from tests.unit.evaluation.test_metrics import ALICE, BOB, RESIDENT, h, target, truth

RULES = load_tier_rules(None)
NOBODY = ContactSim(
    voice_cold=(("no_answer", 1.0),),
    voice_engaged=(("no_answer", 1.0),),
    sms=(("expired", 1.0),),
)
EVERYONE = ContactSim(
    voice_cold=(("confirmed", 1.0),),
    voice_engaged=(("confirmed", 1.0),),
    sms=(("delivered", 1.0),),
)


def rules(realloc: bool, policy: bool = False) -> TierRules:
    """The packaged rules with re-allocation on/off; without ``policy`` the escalation policy
    before 2026.12-3 (every unconfirmed contact moves up at once)."""
    out = RULES.model_copy(
        update={"one_to_one": RULES.one_to_one.model_copy(update={"reallocate": realloc})}
    )
    return out if policy else escalate_at_once(out)


def detected(resident: str, hours: float) -> DetectedWarning:
    t = h(hours)
    return DetectedWarning(resident, t, t, t, 2, [], "impersonate_police", 2.0, 1, None, None, "S1")


def checkpoints(*rows: tuple[int, float, float]) -> pd.DataFrame:
    """(warning index, hours, victim score) per checkpoint."""
    return pd.DataFrame(
        [
            {
                "warning": i,
                "key": str(i),
                "as_of": h(at),
                "level": 2,
                "kinds": ["indicator_call"],
                "victim_score": p,
            }
            for i, at, p in rows
        ]
    )


def never(index: int, at: dt.datetime) -> bool:
    return False


def test_backtest_reallocates_an_unstarted_place() -> None:
    warnings = [detected("PA", 0), detected("PB", 0.1)]
    ck = checkpoints((0, 0, 0.6), (1, 0.1, 0.9))  # B 6 minutes after A
    first, second = replay(warnings, ck, rules(True), 1)
    assert second.tier == "one_to_one" and first.tier == "assisted" and first.displaced == 1
    assert (first.reasons or [])[-1]["code"] == "gave_place"
    kept = replay(warnings, ck, rules(False), 1)
    assert [t.tier for t in kept] == ["one_to_one", "assisted"]


def test_backtest_a_place_is_locked_once_the_officer_has_started() -> None:
    warnings = [detected("PA", 0), detected("PB", 1)]
    ck = checkpoints((0, 0, 0.6), (1, 1, 0.9))  # B an hour later: A's officer started
    tracks = replay(warnings, ck, rules(True), 1)
    assert [t.tier for t in tracks] == ["one_to_one", "assisted"]
    assert replay_counts(tracks)["displaced"] == 0


def test_backtest_unconfirmed_contacts_escalate_to_the_desk() -> None:
    warnings = [detected("PA", 0), detected("PB", 0)]
    ck = checkpoints((0, 0, 0.2), (1, 0, 0.01))  # assisted, automated
    tracks = replay(warnings, ck, rules(True), 3, sim=NOBODY, engaged=never)
    assert [t.tier for t in tracks] == ["one_to_one", "one_to_one"]  # call; SMS, then call
    assert all(t.escalated for t in tracks)
    assert replay_counts(tracks) == {
        "displaced": 0,
        "escalated_to_one_to_one": 2,
        "held": 0,
        "held_then_one_to_one": 0,
        "sms": 1,
        "robot_calls": 2,
    }
    without = replay(warnings, ck, rules(True), 3)
    assert [t.tier for t in without] == ["assisted", "automated"]  # nothing escalates
    reached = replay(warnings, ck, rules(True), 3, sim=EVERYONE, engaged=never)
    assert [t.tier for t in reached] == ["assisted", "automated"]
    assert reached[0].contacted_at == h(0) + dt.timedelta(minutes=15)  # the confirmed call


def test_backtest_escalated_places_are_not_reallocated() -> None:
    warnings = [detected("PA", 0), detected("PB", 1)]
    ck = checkpoints((0, 0, 0.2), (1, 1, 0.9))
    tracks = replay(warnings, ck, rules(True), 1, sim=NOBODY, engaged=never)
    assert tracks[0].tier == "one_to_one" and tracks[0].escalated  # by the robot call
    assert tracks[0].displaced == 0  # the escalated place is not taken from it ...
    assert tracks[1].escalated  # ... B was assisted (desk full) and came by its own call


def test_backtest_figures_split_the_desk_and_count_contacts_that_got_through() -> None:
    t = truth(target(ALICE, 0, 5), target(BOB, 0, 5), residents=100_000)
    warnings = [detected("PA", 1), detected("PB", 1)]
    ck = checkpoints((0, 1, 0.9), (1, 1, 0.2))  # one-to-one; assisted, call not answered
    tracks = replay(warnings, ck, rules(True), 3, sim=NOBODY, engaged=never)
    tiers = evaluate(t, tiered_facts(warnings, tracks), RESIDENT)["tiers"]
    assert tiers["desk_per_day_per_100k"] == 1.0  # 2 one-to-one over 2 days per 100k
    assert tiers["desk_listed_per_day_per_100k"] == 0.5
    assert tiers["desk_escalated_per_day_per_100k"] == 0.5
    assert tiers["reached_before_loss"] == 1.0  # tiers set in time for both
    assert tiers["reached_before_loss_with_outcomes"] == 1.0  # both officers start in time
    late = truth(target(ALICE, 0, 5), target(BOB, 0, 1.4), residents=100_000)
    tiers = evaluate(late, tiered_facts(warnings, tracks), RESIDENT)["tiers"]
    assert tiers["reached_before_loss"] == 1.0
    assert tiers["reached_before_loss_with_outcomes"] == 0.5  # B's officer starts at 1.75 h
    plain = evaluate(t, tiered_facts(warnings, replay(warnings, ck, rules(True), 3)), RESIDENT)
    assert "reached_before_loss_with_outcomes" not in plain["tiers"]


def test_backtest_outcomes_are_seeded_and_depend_on_engagement() -> None:
    sim = ContactSim(seed=3)
    cold = Counter(sim.outcome(str(i), "voice", False).status for i in range(4000))
    hot = Counter(sim.outcome(str(i), "voice", True).status for i in range(4000))
    sms = Counter(sim.outcome(str(i), "sms", True).status for i in range(4000))
    assert 0.66 < cold["confirmed"] / 4000 < 0.74
    assert 0.36 < hot["confirmed"] / 4000 < 0.44
    assert 0.95 < sms["delivered"] / 4000 < 0.99
    assert sim.outcome("7", "voice", True) == ContactSim(seed=3).outcome("7", "voice", True)
    assert sim.outcome("7", "voice", False).event in (None, "unconfirmed", "unanswered", "refused")


def test_backtest_engagement_comes_from_ground_truth() -> None:
    t = truth(target(ALICE, 2, None, stage="engaged"), target(BOB, 0, None, stage="contacted"))
    engaged = engaged_from_truth([detected("PA", 0), detected("PB", 0)], t, RESIDENT)
    assert not engaged(0, h(1)) and engaged(0, h(3))  # engaged from the first contact on
    assert not engaged(1, h(3))  # a cold contact is not engaged


def with_gate(gate: float, **more: object) -> TierRules:
    update = {"min_victim_score_to_officer": gate, **more}
    policy = RULES.escalation.model_copy(update=update)
    return rules(True, policy=True).model_copy(update={"escalation": policy})


def test_backtest_policy_calls_again_and_sends_only_likely_victims_to_an_officer() -> None:
    warnings = [detected("PA", 0), detected("PB", 0)]
    ck = checkpoints((0, 0, 0.4), (1, 0, 0.2))  # both assisted; A above the gate 0.3
    tracks = replay(warnings, ck, with_gate(0.3), 3, sim=NOBODY, engaged=never)
    a, b = tracks
    assert a.tier == "one_to_one" and a.escalated and a.calls == 2
    assert b.tier == "assisted" and not b.escalated and b.calls == 2 and b.held
    assert "sms" in b.channels  # the fallback SMS (not delivered: changes nothing)
    codes = [r["code"] for r in b.reasons or []]
    assert codes[-3:] == ["retry", "held_score", "sms_fallback"]
    assert replay_counts(tracks) == {
        "displaced": 0,
        "escalated_to_one_to_one": 1,
        "held": 1,
        "held_then_one_to_one": 0,
        "sms": 1,
        "robot_calls": 4,
    }
    t = truth(target(ALICE, 0, 5), target(BOB, 0, 5), residents=100_000)
    tiers = evaluate(t, tiered_facts(warnings, tracks), RESIDENT)["tiers"]
    assert (tiers["held_below_gate"], tiers["held_engaged"]) == (1, 1)  # B, engaged, held
    assert (tiers["calls_repeated"], tiers["calls_repeated_engaged"]) == (2, 2)  # A and B
    cold = evaluate(truth(target(ALICE, 0, 5)), tiered_facts(warnings, tracks), RESIDENT)
    assert (cold["tiers"]["held_below_gate"], cold["tiers"]["held_engaged"]) == (1, 0)
    assert (cold["tiers"]["calls_repeated"], cold["tiers"]["calls_repeated_engaged"]) == (2, 1)
    low = replay(warnings, ck, with_gate(0.1), 3, sim=NOBODY, engaged=never)
    assert all(t.tier == "one_to_one" for t in low)  # a gate below both: both to an officer


def test_backtest_a_repeated_call_that_gets_through_reaches_the_resident() -> None:
    second = ContactSim(voice_cold=(("no_answer", 0.5), ("confirmed", 0.5)))
    warnings = [detected(f"P{i}", 0) for i in range(40)]
    ck = checkpoints(*[(i, 0, 0.2) for i in range(40)])
    tracks = replay(warnings, ck, with_gate(0.3), 100, sim=second, engaged=never)
    retried = [t for t in tracks if t.calls == 2]
    assert retried and all(t.tier == "assisted" for t in tracks)
    late = h(0) + dt.timedelta(minutes=15 + 60 + 15)
    assert any(t.contacted_at == late for t in retried)  # confirmed on the second call
    assert all(t.held for t in retried if t.contacted_at is None)


def test_backtest_a_new_signal_after_a_hold_makes_a_candidate() -> None:
    warnings = [detected("PA", 0)]
    ck = checkpoints((0, 0, 0.2), (0, 3, 0.25))  # held after ~1.5 h, then a new signal at 3 h
    (track,) = replay(
        warnings, ck, with_gate(0.3, new_signal_after_held=True), 3, sim=NOBODY, engaged=never
    )
    assert track.tier == "one_to_one" and not track.escalated and track.held_ever
    assert (track.reasons or [])[0]["code"] == "new_signal_after_held"
    assert replay_counts([track])["held_then_one_to_one"] == 1
    (off,) = replay(warnings, ck, with_gate(0.3), 3, sim=NOBODY, engaged=never)
    assert off.tier == "assisted" and off.held  # packaged: the new signal does not list it


def test_backtest_a_likely_victim_goes_to_an_officer_without_a_second_call() -> None:
    warnings = [detected("PA", 0), detected("PB", 0)]
    ck = checkpoints((0, 0, 0.9), (1, 0, 0.8))  # A takes the one place, B is desk-full assisted
    a, b = replay(warnings, ck, with_gate(0.4), 1, sim=NOBODY, engaged=never)
    assert a.tier == "one_to_one" and not a.escalated
    assert b.tier == "one_to_one" and b.escalated and b.calls == 1


def test_backtest_retry_draws_leave_the_first_calls_unchanged() -> None:
    sim = ContactSim(seed=5)
    first = [sim.outcome(str(i), "voice", False) for i in range(50)]
    assert first == [sim.outcome(str(i), "voice", False, 1) for i in range(50)]
    again = [sim.outcome(str(i), "voice", False, 2) for i in range(50)]
    assert again != first
