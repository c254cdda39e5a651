"""Tier decisions: pure functions of a warning's level, signals, victim score and the desk.

:func:`decide` gives a warning its tier with the reasons in words; :class:`DeskBudget` holds
the one-to-one places of each station and day (who holds them); :func:`escalate` moves a
warning up after a channel outcome or a new signal. A tier never goes down by itself, with one
exception: with ``one_to_one.reallocate`` a later candidate with a strictly higher victim score
takes the place of the least likely holder of that station-day that is not locked (no officer
has started on it, it did not come by an unconfirmed contact; :func:`displaceable`); the
holder goes to assisted (:func:`give_place`). Live tiering and the backtest both decide here.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from fanzha.core.levels import Level
from fanzha.errors import WorkflowError
from fanzha.workflow.tier.rules import TIER_RANK, TIERS, Tier, TierRules

OUTCOMES = frozenset({"confirmed", "unconfirmed", "unanswered", "refused", "failed"})
_TEXT: dict[str, tuple[str, str]] = {
    "victim_score_high": (
        "受骗可能 {p:.0%}，达到一对一门槛 {t:.0%}",
        "victim risk {p:.0%} ≥ one-to-one {t:.0%}",
    ),
    "victim_score_assisted": (
        "受骗可能 {p:.0%}，达到辅助门槛 {t:.0%}",
        "victim risk {p:.0%} ≥ assisted {t:.0%}",
    ),
    "victim_score_low": ("受骗可能 {p:.0%}，低于辅助门槛", "victim risk {p:.0%} below assisted"),
    "level_no_model": ("无受骗模型：级别 {lv}", "no victim model: level {lv}"),
    "level_assisted": ("无受骗模型：级别 {lv} 辅助", "no victim model: level {lv}, assisted"),
    "kind": ("信号 {kind}", "signal {kind}"),
    "automated": ("级别 {lv}：自动短信/语音提醒", "level {lv}: automated SMS/voice"),
    "below_automated": ("级别 {lv} 低于自动提醒级别：观察", "level {lv} below automated: watch"),
    "watch": (
        "仅有短信类低级别信号，受骗可能很低：观察",
        "low level, SMS signals only, low risk: watch",
    ),
    "desk_full": (
        "{station} 今日一对一名额已满（{cap}）：转辅助",
        "{station} one-to-one full today ({cap}): assisted",
    ),
    "gave_place": (
        "让位于更可能受骗的居民（{by}，受骗可能 {p:.0%}）：转辅助",
        "gave its place to a likelier victim ({by}, victim risk {p:.0%}): assisted",
    ),
    "took_place": (
        "{station} 今日一对一名额已满，替换可能性更低的预警 {of}",
        "{station} one-to-one full today: took the place of less likely warning {of}",
    ),
    "kept": ("保持原层级 {tier}", "kept at tier {tier}"),
    "escalated": ("{event}：{old} → {new}", "{event}: {old} → {new}"),
    "ranked": ("一对一名单第 {rank} 位", "one-to-one rank {rank}"),
    "retry": (
        "语音提醒{event}：{minutes} 分钟后再呼叫一次（第 {attempt} 次），暂不转警员",
        "robot call {event}: calling again in {minutes} min (call {attempt}) before an officer",
    ),
    "officer_score": (
        "受骗可能 {p:.0%}，达到转警员门槛 {t:.0%}",
        "victim risk {p:.0%} ≥ officer gate {t:.0%}",
    ),
    "officer_level": (
        "无受骗模型：级别 {lv} 达到转警员级别",
        "no victim model: level {lv} goes to an officer",
    ),
    "held_score": (
        "{event}，但受骗可能 {p:.0%} 低于转警员门槛 {t:.0%}：保持{tier}",
        "{event}, but victim risk {p:.0%} below officer gate {t:.0%}: stays {tier}",
    ),
    "held_level": (
        "{event}，无受骗模型且级别 {lv} 低于转警员级别：保持{tier}",
        "{event}, no victim model and level {lv} below the officer level: stays {tier}",
    ),
    "sms_fallback": ("补发提醒短信", "SMS sent as a fallback"),
    "new_signal_after_held": (
        "自动联系未确认后又有新信号：一对一候选",
        "new signal after an unconfirmed contact: one-to-one candidate",
    ),
}


def reason(code: str, **values: Any) -> dict[str, Any]:
    """A tier reason: its code, values and the sentence in Chinese and English."""
    zh, en = _TEXT[code]
    return {"code": code, **values, "zh": zh.format(**values), "en": en.format(**values)}


@dataclass(frozen=True)
class TierInput:
    """What a tier decision looks at."""

    key: str
    station: str | None
    as_of: dt.datetime
    level: int
    kinds: frozenset[str]
    victim_score: float | None = None
    held: bool = False  # an unconfirmed contact was held below the officer gate


@dataclass(frozen=True)
class TierDecision:
    """A tier with its reasons; ``rank`` is set for one-to-one warnings once ranked.

    ``displaced`` is the place this decision took from another warning (re-allocation): the
    caller moves that warning to the tier :func:`give_place` gives.
    """

    key: str
    tier: Tier
    reasons: list[dict[str, Any]]
    victim_score: float | None
    as_of: dt.datetime
    station: str | None
    rank: int | None = None
    displaced: Place | None = None


@dataclass(frozen=True)
class Place:
    """A one-to-one place held by a warning; ``locked_at``: from then on it cannot be taken.

    A place is locked once an officer has started on the warning (signed for it, recorded an
    action or an outcome) or when the warning came to one-to-one by an unconfirmed contact
    (sending it back to a robot call would loop). ``None``: not locked.
    """

    key: str
    victim_score: float | None
    listed_at: dt.datetime
    locked_at: dt.datetime | None = None

    def locked(self, now: dt.datetime) -> bool:
        """Whether the place is locked at ``now``."""
        return self.locked_at is not None and self.locked_at <= now


Slot = tuple[str, dt.date]


def slot_of(station: str | None, day: dt.date) -> Slot:
    """The budget key of a station and day (no station: the centre)."""
    return (station or "centre", day)


def displaceable(places: Iterable[Place], score: float | None, now: dt.datetime) -> Place | None:
    """The place a candidate of victim score ``score`` takes at ``now``, if any.

    The least likely unlocked holder (lowest victim score; among equal scores the one listed
    last, as :func:`rank_one_to_one` ranks it last), and only when ``score`` is strictly higher:
    a tie keeps the earlier holder, a candidate without a score displaces nobody.
    """
    if score is None:
        return None
    free = [p for p in places if not p.locked(now)]
    if not free:
        return None
    least = max(free, key=lambda p: (-(p.victim_score or 0.0), p.listed_at, p.key))
    return least if score > (least.victim_score or 0.0) else None


def give_place(place: Place, by: TierInput) -> tuple[Tier, dict[str, Any]]:
    """The tier and reason of a warning whose place ``by`` took: assisted (a robot call first,
    an officer if it is not confirmed)."""
    return "assisted", reason("gave_place", by=by.key, p=by.victim_score or 0.0)


@dataclass
class DeskBudget:
    """One-to-one places per station and day; ``capacity`` places each.

    ``places`` holds who has each place; with ``reallocate`` a candidate may take the place of
    a less likely holder (:func:`displaceable`).
    """

    capacity: int
    reallocate: bool = False
    places: dict[Slot, list[Place]] = field(default_factory=lambda: defaultdict(list))

    def hold(self, station: str | None, place: Place) -> None:
        """Record a place already held (the store's list, an escalation beyond capacity)."""
        self.places[slot_of(station, place.listed_at.date())].append(place)

    def lock_after(self, delay: dt.timedelta) -> None:
        """Give each place without a lock time one, ``delay`` after its listing (the backtest's
        assumption of when an officer starts on it)."""
        for held in self.places.values():
            for i, p in enumerate(held):
                if p.locked_at is None:
                    held[i] = Place(p.key, p.victim_score, p.listed_at, p.listed_at + delay)

    def take(self, station: str | None, place: Place) -> tuple[bool, Place | None]:
        """Take a place if one is left, or (re-allocation) a less likely holder's place.

        Returns whether a place was taken and the holder displaced (None: a free place).
        """
        held = self.places[slot_of(station, place.listed_at.date())]
        if len(held) < self.capacity:
            held.append(place)
            return True, None
        out = displaceable(held, place.victim_score, place.listed_at) if self.reallocate else None
        if out is None or self.capacity <= 0:
            return False, None
        held.remove(out)
        held.append(place)
        return True, out


def base_tier(item: TierInput, rules: TierRules) -> tuple[Tier, list[dict[str, Any]]]:
    """The tier the rules give, before capacity; with the reasons."""
    lv = Level(max(1, min(4, item.level))).zh
    p = item.victim_score
    o, a = rules.one_to_one, rules.assisted
    if hits := sorted(item.kinds & set(o.kinds)):
        return "one_to_one", [reason("kind", kind=k) for k in hits]
    if p is not None and p >= o.min_victim_score:
        return "one_to_one", [reason("victim_score_high", p=p, t=o.min_victim_score)]
    if p is None and item.level >= o.min_level_without_model:
        return "one_to_one", [reason("level_no_model", lv=lv)]
    if item.held and rules.escalation.new_signal_after_held:
        return "one_to_one", [reason("new_signal_after_held")]
    if p is not None and p >= a.min_victim_score:
        return "assisted", [reason("victim_score_assisted", p=p, t=a.min_victim_score)]
    if hits := sorted(item.kinds & set(a.kinds)):
        return "assisted", [reason("kind", kind=k) for k in hits]
    if p is None and item.level >= a.min_level_without_model:
        return "assisted", [reason("level_assisted", lv=lv)]
    if item.level < rules.automated.min_level:
        return "watch", [reason("below_automated", lv=lv)]
    w = rules.watch
    if (
        item.level <= w.max_level
        and (p is None or p <= w.max_victim_score)
        and item.kinds <= set(w.only_kinds)
    ):
        return "watch", [reason("watch")]
    low = [reason("victim_score_low", p=p)] if p is not None else []
    return "automated", [*low, reason("automated", lv=lv)]


def decide(
    item: TierInput, rules: TierRules, budget: DeskBudget, current: Tier | None = None
) -> TierDecision:
    """The tier of one warning now: the rules, the desk's places, never below ``current``.

    A candidate takes a free place, or with re-allocation the place of a less likely unlocked
    holder (``displaced`` of the decision), or else is assisted ("desk full").
    """
    tier, reasons = base_tier(item, rules)
    displaced: Place | None = None
    if tier == "one_to_one" and current != "one_to_one":
        place = Place(item.key, item.victim_score, item.as_of)
        taken, displaced = budget.take(item.station, place)
        station = item.station or "中心"
        if not taken:
            tier = "assisted"
            reasons.append(reason("desk_full", station=station, cap=budget.capacity))
        elif displaced is not None:
            reasons.append(reason("took_place", station=station, of=displaced.key))
    if current is not None and TIER_RANK[current] > TIER_RANK[tier]:
        tier, reasons = current, [*reasons, reason("kept", tier=current)]
    elif current == "watch" and tier == "watch":
        tier = rules.escalation.new_signal_from_watch
        reasons.append(reason("escalated", event="new_signal", old="watch", new=tier))
    return TierDecision(
        item.key, tier, reasons, item.victim_score, item.as_of, item.station, None, displaced
    )


def escalate(current: Tier, event: str, rules: TierRules) -> tuple[Tier, dict[str, Any] | None]:
    """The tier after a channel outcome or a new signal (``None`` reason: unchanged).

    ``event`` is a channel outcome (``confirmed``, ``unconfirmed``, ``unanswered``,
    ``refused``, ``failed``) or ``new_signal``. Anything but ``confirmed`` on an automated or
    assisted contact moves the warning up as ``escalation.unconfirmed`` says.
    """
    if event == "new_signal":
        new: Tier = rules.escalation.new_signal_from_watch if current == "watch" else current
    elif event in OUTCOMES:
        new = (
            current if event == "confirmed" else rules.escalation.unconfirmed.get(current, current)
        )
    else:
        raise WorkflowError(f"unknown escalation event {event!r}", allowed=sorted(OUTCOMES))
    if TIER_RANK[new] <= TIER_RANK[current]:
        return current, None
    return new, reason("escalated", event=event, old=current, new=new)


@dataclass(frozen=True)
class Contact:
    """A final outcome of one automated contact of a warning, and what the warning is now.

    ``attempt`` counts the calls on that channel (1: the first); ``had_sms``: the warning has
    had an SMS already (no fallback then).
    """

    channel: str  # "sms" or "voice"
    event: str | None  # escalation event; None: reached
    attempt: int
    tier: Tier
    victim_score: float | None
    level: int
    had_sms: bool = False


ContactAction = Literal["reached", "none", "escalate", "retry", "hold"]


@dataclass(frozen=True)
class ContactDecision:
    """What a contact outcome does: ``tier`` after it, the reasons, a retry or an SMS due."""

    action: ContactAction
    tier: Tier
    reasons: list[dict[str, Any]] = field(default_factory=list)
    retry_after: dt.timedelta | None = None
    sms_fallback: bool = False


def after_contact(contact: Contact, rules: TierRules) -> ContactDecision:
    """The escalation policy of a contact outcome (live outreach and the backtest).

    Reached: nothing. An SMS moves only an automated (or watched) warning up: a fallback SMS
    of a held warning that does not arrive changes nothing. A move to one-to-one is where the
    policy acts: a robot call whose event is in ``escalation.retry_on`` is called again first
    (``retry_calls`` times, ``retry_after_minutes`` later; not for a victim score at or above
    ``retry_below_victim_score``); then the warning goes to an officer
    only when its victim score reaches ``min_victim_score_to_officer`` (without a score: its
    level reaches ``min_level_to_officer_without_model``); below it, it is held at its tier
    with a reason, and an SMS is due (``sms_fallback``) when it had none.
    """
    tier, event = contact.tier, contact.event
    if event is None:
        return ContactDecision("reached", tier)
    if contact.channel == "sms" and tier not in ("watch", "automated"):
        return ContactDecision("none", tier)
    new, why = escalate(tier, event, rules)
    if why is None:
        return ContactDecision("none", tier)
    if new != "one_to_one":
        return ContactDecision("escalate", new, [why])
    esc = rules.escalation
    if _retries(contact, event, rules):
        minutes = esc.retry_after_minutes
        why = reason("retry", event=event, minutes=minutes, attempt=contact.attempt + 1)
        return ContactDecision("retry", tier, [why], dt.timedelta(minutes=minutes))
    gate = _officer_gate(contact, event, rules)
    if gate is None or gate["code"].startswith("officer"):
        return ContactDecision("escalate", new, [why, *([gate] if gate else [])])
    fallback = esc.sms_fallback and not contact.had_sms
    reasons = [gate, *([reason("sms_fallback")] if fallback else [])]
    return ContactDecision("hold", tier, reasons, sms_fallback=fallback)


def _retries(contact: Contact, event: str, rules: TierRules) -> bool:
    """Whether a robot call is made again before an officer: its event is one of ``retry_on``,
    calls are left (``retry_calls``) and the resident is not a likely victim already (victim
    score below ``retry_below_victim_score``; time matters more for them than the desk)."""
    esc, p = rules.escalation, contact.victim_score
    likely = p is not None and p >= esc.retry_below_victim_score
    return (
        contact.channel == "voice"
        and event in esc.retry_on
        and contact.attempt <= esc.retry_calls
        and not likely
    )


def _officer_gate(contact: Contact, event: str, rules: TierRules) -> dict[str, Any] | None:
    """The reason a contact goes to an officer (``officer_*``) or is held (``held_*``);
    None when the rules have no gate (every contact goes on, as before ``2026.12-3``)."""
    esc, p = rules.escalation, contact.victim_score
    lv = Level(max(1, min(4, contact.level))).zh
    if p is not None:
        t = esc.min_victim_score_to_officer
        if t <= 0:
            return None
        if p >= t:
            return reason("officer_score", p=p, t=t)
        return reason("held_score", event=event, p=p, t=t, tier=contact.tier)
    if esc.min_level_to_officer_without_model <= 1:
        return None
    if contact.level >= esc.min_level_to_officer_without_model:
        return reason("officer_level", lv=lv)
    return reason("held_level", event=event, lv=lv, tier=contact.tier)


def rank_one_to_one(decisions: Iterable[TierDecision]) -> dict[str, int]:
    """Rank 1.. per station and day: highest victim score first, then earliest."""
    groups: dict[tuple[str, dt.date], list[TierDecision]] = defaultdict(list)
    for d in decisions:
        if d.tier == "one_to_one":
            groups[(d.station or "", d.as_of.date())].append(d)
    ranks: dict[str, int] = {}
    for items in groups.values():
        ordered = sorted(items, key=lambda d: (-(d.victim_score or 0.0), d.as_of, d.key))
        ranks.update({d.key: i for i, d in enumerate(ordered, 1)})
    return ranks


__all__ = [
    "TIERS",
    "Contact",
    "ContactDecision",
    "DeskBudget",
    "Place",
    "TierDecision",
    "TierInput",
    "after_contact",
    "decide",
    "displaceable",
    "escalate",
    "give_place",
    "reason",
]
