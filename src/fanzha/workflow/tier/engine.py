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
from typing import Any

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
    "DeskBudget",
    "Place",
    "TierDecision",
    "TierInput",
    "decide",
    "displaceable",
    "escalate",
    "give_place",
    "reason",
]
