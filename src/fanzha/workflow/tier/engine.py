"""Tier decisions: pure functions of a warning's level, signals, victim score and the desk.

:func:`decide` gives a warning its tier with the reasons in words; :class:`DeskBudget` holds
the one-to-one places left per station and day; :func:`escalate` moves a warning up after a
channel outcome or a new signal. A tier never goes down by itself: a warning that was once
one-to-one stays so (the officer has it), and a new signal can only raise it.
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
    """A tier with its reasons; ``rank`` is set for one-to-one warnings once ranked."""

    key: str
    tier: Tier
    reasons: list[dict[str, Any]]
    victim_score: float | None
    as_of: dt.datetime
    station: str | None
    rank: int | None = None


@dataclass
class DeskBudget:
    """One-to-one places per station and day; ``capacity`` places each."""

    capacity: int
    used: dict[tuple[str, dt.date], int] = field(default_factory=lambda: defaultdict(int))

    def take(self, station: str | None, day: dt.date) -> bool:
        """Take a place if one is left."""
        slot = (station or "centre", day)
        if self.used[slot] >= self.capacity:
            return False
        self.used[slot] += 1
        return True


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
    """The tier of one warning now: the rules, the desk's places left, never below ``current``."""
    tier, reasons = base_tier(item, rules)
    wants_desk = tier == "one_to_one" and current != "one_to_one"
    if wants_desk and not budget.take(item.station, item.as_of.date()):
        tier = "assisted"
        reasons.append(reason("desk_full", station=item.station or "中心", cap=budget.capacity))
    if current is not None and TIER_RANK[current] > TIER_RANK[tier]:
        tier, reasons = current, [*reasons, reason("kept", tier=current)]
    elif current == "watch" and tier == "watch":
        tier = rules.escalation.new_signal_from_watch
        reasons.append(reason("escalated", event="new_signal", old="watch", new=tier))
    return TierDecision(item.key, tier, reasons, item.victim_score, item.as_of, item.station)


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


__all__ = ["TIERS", "DeskBudget", "TierDecision", "TierInput", "decide", "escalate", "reason"]
