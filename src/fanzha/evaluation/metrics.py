"""Warnings against ground truth: recall before loss, precision, lead time, volume.

Definitions (also in ``docs/evaluation.md``):

- *would-be victim*: a target whose journey reaches a payment inside the window.
- *warned before loss*: the victim had a warning issued before the first would-be loss whose
  episode was still running at or after the first fraud contact (a warning the desk already
  has on the person counts, as the desk would act on it).
- *recall*: would-be victims warned before loss ÷ would-be victims.
- *lead time*: first would-be loss minus the later of the warning time and the first contact
  (the desk cannot know of this fraud before it began).
- *precision*: warnings whose episode ran at or after a fraud contact of the resident
  ÷ warnings ("fraud-related", as the accuracy rate of ``domain.md`` counts it); *precision
  (engaged)* counts only targets who engaged beyond a cold contact.
- *warnings per day per 100k*: warnings ÷ days ÷ (residents / 100,000).
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from fanzha.evaluation.truth import Target, Truth


@dataclass(frozen=True)
class WarningFact:
    """What evaluation needs of a warning."""

    resident_id: str
    warned_at: dt.datetime
    last_signal_at: dt.datetime
    level: int
    fraud_type: str
    tier: str | None = None  # response tier (docs/tiers.md), when tiers were assigned
    reached_at: dt.datetime | None = None  # first time a tier other than watch applied
    victim_score: float | None = None  # the victim model's latest P(engaged)
    escalated: bool = False  # one-to-one by an unconfirmed automated contact (backtest)
    held: bool = False  # an unconfirmed contact left it below the officer gate (tier_hold)
    retried: bool = False  # an unanswered or failed robot call was made again (tier_retry)
    contacted_at: dt.datetime | None = None  # simulated outcomes: first contact that got through


@dataclass
class Figures:
    """One row of the evaluation table."""

    victims: int = 0
    warned_before_loss: int = 0
    warnings: int = 0
    true_warnings: int = 0
    engaged_warnings: int = 0
    type_correct: int = 0
    lead_minutes: list[float] = field(default_factory=list)

    def as_dict(self, days: float, residents: int) -> dict[str, Any]:
        """Rates and counts, ready for a table or JSON."""
        return {
            "would_be_victims": self.victims,
            "warned_before_loss": self.warned_before_loss,
            "recall": _ratio(self.warned_before_loss, self.victims),
            "warnings": self.warnings,
            "precision": _ratio(self.true_warnings, self.warnings),
            "precision_engaged": _ratio(self.engaged_warnings, self.warnings),
            "type_accuracy": _ratio(self.type_correct, self.true_warnings),
            "median_lead_minutes": _median(self.lead_minutes),
            "p10_lead_minutes": _quantile(self.lead_minutes, 0.1),
            "warnings_per_day_per_100k": _ratio(self.warnings * 100_000, days * residents),
        }


def _ratio(num: float, den: float) -> float | None:
    return round(num / den, 4) if den else None


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def _quantile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)


def evaluate(
    truth: Truth, warnings: Iterable[WarningFact], resident_of: dict[int, str]
) -> dict[str, Any]:
    """Overall, per-fraud-type and per-level figures.

    ``resident_of`` maps phone keys to resident ids (ground truth names phones, warnings name
    residents, and a resident may have several phones).
    """
    facts = list(warnings)
    by_resident: dict[str, list[WarningFact]] = defaultdict(list)
    for w in facts:
        by_resident[w.resident_id].append(w)
    targets: dict[str, list[Target]] = defaultdict(list)
    for t in truth.targets:
        targets[resident_of.get(t.phone, f"N{t.phone}")].append(t)
    overall = Figures()
    per_type: defaultdict[str, Figures] = defaultdict(Figures)
    per_level: defaultdict[int, Figures] = defaultdict(Figures)
    for target in truth.targets:
        if target.would_lose and target.loss_time is not None and target.loss_time < truth.end:
            who = resident_of.get(target.phone, f"N{target.phone}")
            _count_victim(target, by_resident[who], overall, per_type[target.fraud_type])
    for w in facts:
        _count_warning(w, targets.get(w.resident_id, []), overall, per_type, per_level)
    days, n = truth.days, truth.residents
    result = {
        "window": {"start": truth.start.isoformat(sep=" "), "days": days, "residents": n},
        "overall": overall.as_dict(days, n),
        "by_fraud_type": {k: v.as_dict(days, n) for k, v in sorted(per_type.items())},
        "by_level": {str(k): v.as_dict(days, n) for k, v in sorted(per_level.items())},
    }
    if any(w.tier is not None for w in facts):
        from fanzha.evaluation.tier_metrics import tier_figures

        result["tiers"] = tier_figures(truth, facts, targets, resident_of)
    return result


def _count_victim(target: Target, warnings: list[WarningFact], *rows: Figures) -> None:
    assert target.loss_time is not None
    before = [
        max(w.warned_at, target.first_contact)
        for w in warnings
        if w.warned_at < target.loss_time and w.last_signal_at >= target.first_contact
    ]
    for row in rows:
        row.victims += 1
        if before:
            row.warned_before_loss += 1
            row.lead_minutes.append((target.loss_time - min(before)).total_seconds() / 60)


def _count_warning(
    w: WarningFact,
    targets: list[Target],
    overall: Figures,
    per_type: dict[str, Figures],
    per_level: dict[int, Figures],
) -> None:
    related = [t for t in targets if t.first_contact <= w.last_signal_at]
    rows = (overall, per_type[w.fraud_type], per_level[w.level])
    for row in rows:
        row.warnings += 1
        if related:
            row.true_warnings += 1
            row.engaged_warnings += any(t.targeted for t in related)
            row.type_correct += any(t.fraud_type == w.fraud_type for t in related)
