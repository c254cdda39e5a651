"""Backtest the tiers: replay each warning's signals in time order through the tier rules.

Every checkpoint (the warning's issue, then each new signal) is judged with only what was
known by then: its victim score from events up to that moment, the desk places at that
station that day (:func:`~fanzha.workflow.tier.engine.decide`, the function live tiering
uses, re-allocation included). A warning *reaches* the resident the first time its tier is not
watch. The replay assumes an officer starts on a listed one-to-one warning ``start_after``
(30 minutes, the 高 sign-for SLA) after it was listed: from then on its place is locked.

With a :class:`ContactSim` the automated contacts get simulated outcomes
(:mod:`fanzha.evaluation.tier_outcomes`) and go through
:func:`~fanzha.workflow.tier.engine.after_contact`, the policy ``fanzha notify run`` applies
live: an SMS to an automated warning, a robot call to an assisted one, one per channel and
warning, plus the repeated calls (``escalation.retry_calls``) and the fallback SMS of a
warning held below the officer gate that the rules give.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from fanzha.detection.pipeline import DetectedWarning
from fanzha.evaluation.metrics import WarningFact
from fanzha.evaluation.tier_outcomes import CHANNEL_OF_TIER, ContactSim, Engaged, Outcome
from fanzha.workflow.tier.engine import (
    Contact,
    ContactDecision,
    DeskBudget,
    Place,
    TierInput,
    after_contact,
    decide,
    give_place,
)
from fanzha.workflow.tier.rules import Tier, TierRules

START_AFTER = dt.timedelta(minutes=30)


@dataclass
class Track:
    """One warning's tier over its checkpoints (and simulated contacts)."""

    tier: Tier | None = None
    reached_at: dt.datetime | None = None
    one_to_one_at: dt.datetime | None = None
    victim_score: float | None = None
    reasons: list[dict[str, Any]] | None = None
    displaced: int = 0  # times it gave its one-to-one place to a likelier victim
    escalated: bool = False  # one-to-one by an unconfirmed contact (simulated outcomes)
    listed_at: dt.datetime | None = None  # current one-to-one place, since
    contacted_at: dt.datetime | None = None  # delivered SMS, confirmed call or officer start
    channels: set[str] = field(default_factory=set)  # contacts made (sms, voice)
    calls: int = 0  # robot calls made (first and repeated)
    level: int = 0  # the latest checkpoint's level
    held: bool = False  # an unconfirmed contact was held below the officer gate
    held_ever: bool = False


@dataclass
class Replay:
    """The state of one replay: tracks, the desk, pending contact outcomes."""

    detected: list[DetectedWarning]
    rules: TierRules
    budget: DeskBudget
    start_after: dt.timedelta
    sim: ContactSim | None
    engaged: Engaged | None
    tracks: list[Track]
    pending: list[Pending] = field(default_factory=list)
    outcomes: Counter[str] = field(default_factory=Counter)
    seq: int = 0  # tie-break of pending entries


#: (due, sequence, warning index, channel, attempt, outcome; None: a repeated call is due)
Pending = tuple[dt.datetime, int, int, str, int, Outcome | None]


def replay(
    detected: list[DetectedWarning],
    checkpoints: pd.DataFrame,
    rules: TierRules,
    capacity: int,
    *,
    sim: ContactSim | None = None,
    engaged: Engaged | None = None,
    start_after: dt.timedelta = START_AFTER,
) -> list[Track]:
    """Tier tracks, one per detected warning (``checkpoints`` from ``score_checkpoints``).

    ``sim`` and ``engaged`` (whether a warning's resident is engaged at a time, from ground
    truth) simulate the automated contacts' outcomes; without them nothing is escalated.
    """
    budget = DeskBudget(capacity, rules.one_to_one.reallocate)
    run = Replay(detected, rules, budget, start_after, sim, engaged, [Track() for _ in detected])
    ordered = checkpoints.sort_values(["as_of", "key"], kind="stable")
    for row in ordered.to_dict("records"):
        _drain(run, until=row["as_of"])
        _step(run, row)
    _drain(run, until=None)
    if sim is not None:
        for track in run.tracks:
            _officer_start(track, start_after)
    return run.tracks


def tiered_facts(detected: list[DetectedWarning], tracks: list[Track]) -> list[WarningFact]:
    """Evaluation facts carrying the backtested tier."""
    return [
        WarningFact(
            w.resident_id,
            w.warned_at,
            w.last_signal_at,
            w.level,
            w.fraud_type,
            tier=t.tier,
            reached_at=t.reached_at,
            victim_score=t.victim_score,
            escalated=t.escalated,
            held=t.held_ever,
            retried=t.calls > 1,
            contacted_at=t.contacted_at,
        )
        for w, t in zip(detected, tracks, strict=True)
    ]


def replay_counts(tracks: list[Track]) -> dict[str, int]:
    """How many warnings were displaced, escalated to one-to-one, held below the officer gate
    (and of those listed later by a new signal), SMS sent and robot calls made."""
    channels = Counter(c for t in tracks for c in t.channels)
    return {
        "displaced": sum(t.displaced > 0 for t in tracks),
        "escalated_to_one_to_one": sum(t.escalated for t in tracks),
        "held": sum(t.held_ever for t in tracks),
        "held_then_one_to_one": sum(t.held_ever and t.tier == "one_to_one" for t in tracks),
        "sms": channels["sms"],
        "robot_calls": sum(t.calls for t in tracks),
    }


def _step(run: Replay, row: dict[Any, Any]) -> None:
    index = int(row["warning"])
    track = run.tracks[index]
    raw = row["victim_score"]
    score = None if raw is None or pd.isna(raw) else float(raw)
    as_of: dt.datetime = row["as_of"]
    item = TierInput(
        str(row["warning"]),
        run.detected[index].station,
        as_of,
        int(row["level"]),
        frozenset(row["kinds"]),
        score,
        held=track.held,
    )
    run.budget.lock_after(run.start_after)
    decision = decide(item, run.rules, run.budget, track.tier)
    if track.held and decision.tier == "one_to_one":
        track.held = False
    _set_tier(run, index, decision.tier, as_of)
    track.reasons, track.victim_score, track.level = decision.reasons, score, item.level
    if decision.displaced is not None:
        _displace(run, decision.displaced, item)


def _set_tier(run: Replay, index: int, tier: Tier, at: dt.datetime) -> None:
    """The warning's tier from ``at``; a contact of that tier is queued if none was made."""
    track = run.tracks[index]
    if tier == "one_to_one" and track.tier != "one_to_one":
        track.listed_at = at
        track.one_to_one_at = track.one_to_one_at or at
    track.tier = tier
    if tier != "watch" and track.reached_at is None:
        track.reached_at = at
    _queue_contact(run, index, at)


def _displace(run: Replay, place: Place, by: TierInput) -> None:
    index = int(place.key)
    track = run.tracks[index]
    tier, why = give_place(place, by)
    track.displaced += 1
    track.listed_at = None
    track.reasons = [*(track.reasons or []), why]
    _set_tier(run, index, tier, by.as_of)


def _queue_contact(
    run: Replay, index: int, at: dt.datetime, channel: str | None = None, attempt: int = 1
) -> None:
    """Make the contact of the warning's tier (or ``channel``) unless made; its outcome is
    pending. A repeated call (``attempt`` > 1) is made whatever the earlier calls."""
    track = run.tracks[index]
    channel = channel or CHANNEL_OF_TIER.get(str(track.tier))
    if run.sim is None or run.engaged is None or channel is None:
        return
    if attempt == 1 and channel in track.channels:
        return
    track.channels.add(channel)
    track.calls += channel == "voice"
    outcome = run.sim.outcome(str(index), channel, run.engaged(index, at), attempt)
    _push(run, at + outcome.delay, index, channel, attempt, outcome)


def _push(
    run: Replay, at: dt.datetime, index: int, channel: str, attempt: int, outcome: Outcome | None
) -> None:
    run.seq += 1
    heapq.heappush(run.pending, (at, run.seq, index, channel, attempt, outcome))


def _drain(run: Replay, until: dt.datetime | None) -> None:
    """Apply the contact outcomes (and repeated calls) due by ``until`` (None: all)."""
    while run.pending and (until is None or run.pending[0][0] <= until):
        at, _, index, channel, attempt, outcome = heapq.heappop(run.pending)
        if outcome is None:
            if run.tracks[index].tier == "assisted":  # still waiting for its second call
                _queue_contact(run, index, at, channel, attempt)
            continue
        _apply(run, index, channel, attempt, outcome, at)


def _apply(
    run: Replay, index: int, channel: str, attempt: int, outcome: Outcome, at: dt.datetime
) -> None:
    track = run.tracks[index]
    run.outcomes[f"{channel}:{outcome.status}"] += 1
    assert track.tier is not None
    contact = Contact(
        channel,
        outcome.event,
        attempt,
        track.tier,
        track.victim_score,
        track.level,
        "sms" in track.channels,
    )
    decision = after_contact(contact, run.rules)
    if decision.action == "reached":
        track.contacted_at = min(track.contacted_at or at, at)
    elif decision.action != "none":
        track.reasons = [*(track.reasons or []), *decision.reasons]
        _act(run, index, decision, at)


def _act(run: Replay, index: int, decision: ContactDecision, at: dt.datetime) -> None:
    """Carry out an escalation, a repeated call or a hold below the officer gate."""
    track = run.tracks[index]
    if decision.action == "retry" and decision.retry_after is not None:
        _push(run, at + decision.retry_after, index, "voice", track.calls + 1, None)
    elif decision.action == "hold":
        track.held = track.held_ever = True
        if decision.sms_fallback:
            _queue_contact(run, index, at, "sms")
    elif decision.action == "escalate":
        if decision.tier == "one_to_one":
            track.escalated = True
            station = run.detected[index].station
            run.budget.hold(station, Place(str(index), track.victim_score, at, locked_at=at))
        _set_tier(run, index, decision.tier, at)


def _officer_start(track: Track, start_after: dt.timedelta) -> None:
    """An officer starts on a warning still holding its place ``start_after`` after listing."""
    if track.tier == "one_to_one" and track.listed_at is not None:
        start = track.listed_at + start_after
        track.contacted_at = min(track.contacted_at or start, start)
