"""Tiered response against ground truth: desk load, desk precision, victims reached in time.

Definitions (also in ``docs/tiers.md``):

- *desk_per_day_per_100k*: warnings whose tier is one-to-one ÷ days ÷ (residents / 100,000).
- *desk_precision_engaged*: one-to-one warnings about a resident who engaged (engaged,
  protected_self or would_lose, contact begun by the warning's last signal) ÷ one-to-one
  warnings.
- *reached_before_loss*: would-be victims with a warning of a contact tier (anything but
  watch) that reached them before their first loss ÷ would-be victims. A warning *reaches* the
  resident at the first moment its tier was not watch (``reached_at``: the automated SMS /
  robot call or the officer's list); it counts when that is before the first loss and the
  warning's episode ran at or after the first fraud contact. Per tier, a victim counts under
  the tier of the warning that reached them first.
- *desk_listed_per_day_per_100k* / *desk_escalated_per_day_per_100k*: the one-to-one
  warnings split into those the tier rules listed and those an unconfirmed automated contact
  escalated (simulated outcomes in the backtest; the two add up to *desk_per_day_per_100k*).
- *held_below_gate* / *held_engaged* (only when the escalation policy held any): warnings an
  unconfirmed contact left below the officer gate (assisted, with a fallback SMS), and how
  many of them were about a resident who engaged — the residents the gate keeps from an
  officer.
- *calls_repeated* / *calls_repeated_engaged* (only when any call was made again): warnings
  whose unanswered or failed robot call the escalation policy made again (``tier_retry``),
  and how many of them were about a resident who engaged.
- *reached_before_loss_with_outcomes* (only with simulated contact outcomes): as
  *reached_before_loss*, but a warning reaches the resident when a contact got through
  (``contacted_at``: an SMS delivered, a robot call confirmed, an officer starting on a
  one-to-one warning), not when its tier was set.
- *high_engaged_precision*: engaged precision of 高+紧急 warnings, as detection levels them and
  with the victim model (a 高/紧急 warning whose victim score is below the assisted threshold
  is shown as 中; a warning whose score reaches the one-to-one threshold as at least 高).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from fanzha.evaluation.truth import Target, Truth

TIER_ORDER = ("one_to_one", "assisted", "automated", "watch")
PROMOTE, DEMOTE = 0.5, 0.1  # the default tier rules' one-to-one and assisted thresholds


def _ratio(num: float, den: float) -> float | None:
    return round(num / den, 4) if den else None


def _engaged(w: Any, targets: list[Target]) -> bool:
    return any(t.targeted and t.first_contact <= w.last_signal_at for t in targets)


def _victims(truth: Truth, resident_of: dict[int, str]) -> list[tuple[str, Target]]:
    out = []
    for t in truth.targets:
        if t.would_lose and t.loss_time is not None and t.loss_time < truth.end:
            out.append((resident_of.get(t.phone, f"N{t.phone}"), t))
    return out


def _first_reach(target: Target, warnings: list[Any], field: str = "reached_at") -> Any | None:
    """The warning that reached the victim first before the loss (``field``: when it did)."""
    assert target.loss_time is not None
    reached = [
        w
        for w in warnings
        if w.tier not in (None, "watch")
        and getattr(w, field) is not None
        and getattr(w, field) < target.loss_time
        and w.last_signal_at >= target.first_contact
    ]
    return min(reached, key=lambda w: getattr(w, field)) if reached else None


def _desk_split(facts: list[Any], per_100k_day: float) -> dict[str, Any]:
    """One-to-one load split into listed by the rules and escalated by an outcome."""
    desk = [w for w in facts if w.tier == "one_to_one"]
    escalated = sum(bool(w.escalated) for w in desk)
    return {
        "desk_listed_per_day_per_100k": _ratio(len(desk) - escalated, per_100k_day),
        "desk_escalated_per_day_per_100k": _ratio(escalated, per_100k_day),
    }


def _flagged(
    facts: list[Any], targets: dict[str, list[Target]], flag: str, names: tuple[str, str]
) -> dict[str, Any]:
    """How many warnings carry ``flag`` (held below the officer gate, robot call made again)
    and how many of them were about an engaged resident, under ``names``; nothing when none."""
    marked = [w for w in facts if getattr(w, flag)]
    if not marked:
        return {}
    engaged = sum(_engaged(w, targets.get(w.resident_id, [])) for w in marked)
    return {names[0]: len(marked), names[1]: engaged}


def _with_outcomes(
    facts: list[Any], victims: list[tuple[str, Target]], by_resident: dict[str, list[Any]]
) -> dict[str, Any]:
    """Victims reached before loss by a contact that got through (simulated outcomes only)."""
    if not any(w.contacted_at is not None for w in facts):
        return {}
    hit = sum(_first_reach(t, by_resident[who], "contacted_at") is not None for who, t in victims)
    return {
        "victims_reached_before_loss_with_outcomes": hit,
        "reached_before_loss_with_outcomes": _ratio(hit, len(victims)),
    }


def tier_figures(
    truth: Truth, facts: list[Any], targets: dict[str, list[Target]], resident_of: dict[int, str]
) -> dict[str, Any]:
    """Overall and per-tier figures of tiered warnings (``facts``: :class:`WarningFact`)."""
    per_100k_day = truth.days * truth.residents / 100_000
    by_resident: dict[str, list[Any]] = defaultdict(list)
    for w in facts:
        by_resident[w.resident_id].append(w)
    counts: dict[str, list[int]] = {t: [0, 0, 0] for t in TIER_ORDER}  # warnings, engaged, reached
    for w in facts:
        row = counts.setdefault(str(w.tier), [0, 0, 0])
        row[0] += 1
        row[1] += _engaged(w, targets.get(w.resident_id, []))
    victims = _victims(truth, resident_of)
    reached = 0
    for who, target in victims:
        first = _first_reach(target, by_resident[who])
        if first is not None:
            reached += 1
            counts[str(first.tier)][2] += 1
    desk = counts["one_to_one"]
    by_tier = {
        tier: {
            "warnings": n,
            "per_day_per_100k": _ratio(n, per_100k_day),
            "precision_engaged": _ratio(engaged, n),
            "victims_reached_before_loss": hit,
        }
        for tier, (n, engaged, hit) in counts.items()
    }
    return {
        "desk_per_day_per_100k": _ratio(desk[0], per_100k_day),
        **_desk_split(facts, per_100k_day),
        "desk_precision_engaged": _ratio(desk[1], desk[0]),
        **_flagged(facts, targets, "held", ("held_below_gate", "held_engaged")),
        **_flagged(facts, targets, "retried", ("calls_repeated", "calls_repeated_engaged")),
        "would_be_victims": len(victims),
        "victims_reached_before_loss": reached,
        "reached_before_loss": _ratio(reached, len(victims)),
        **_with_outcomes(facts, victims, by_resident),
        "high_engaged_precision": _high_precision(facts, targets, with_model=False),
        "high_engaged_precision_with_victim_model": _high_precision(
            facts, targets, with_model=True
        ),
        "by_tier": by_tier,
    }


def _high_precision(
    facts: list[Any], targets: dict[str, list[Target]], *, with_model: bool
) -> float | None:
    high = [w for w in facts if _is_high(w, with_model)]
    return _ratio(sum(_engaged(w, targets.get(w.resident_id, [])) for w in high), len(high))


def _is_high(w: Any, with_model: bool) -> bool:
    if not with_model or w.victim_score is None:
        return bool(w.level >= 3)
    if w.victim_score >= PROMOTE:
        return True
    return bool(w.level >= 3 and w.victim_score >= DEMOTE)
