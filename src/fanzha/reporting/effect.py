"""Did a campaign work? Difference in differences on the risk map, with a bootstrap interval.

Targeted communities are compared with comparable untargeted ones (by default, for each
targeted community the untargeted one with the nearest count per month before the campaign,
without replacement), over ``before`` months before the campaign's start and ``after`` months
from it. For each measure (warnings, engaged contacts, cases, losses) with sums T_b, T_a
(targeted, before/after) and C_b, C_a (comparison), the estimate is the relative change the
campaign caused in the targeted communities::

    effect = (T_a / T_b) / (C_a / C_b) − 1      (−0.25: a quarter fewer than expected)

which removes both a community's own level and the city-wide trend (the ratio form of
difference in differences, as a Poisson model with community and period effects would). The
95 % interval resamples whole communities (cluster bootstrap, targeted and comparison apart),
so the month-to-month noise within a community and between communities is both in it. With
fewer than ``min_count`` records in any of the four cells, or fewer than ``min_communities``
communities on a side, the answer says plainly that the numbers are too small to conclude.

Every estimate also carries its **precision floor**: counts of independent events are Poisson
at best, and then no estimator of the log rate ratio has a smaller variance than
1/T_b + 1/T_a + 1/C_b + 1/C_a (the variance of the Poisson maximum-likelihood estimate), so
``floor`` = 1.96 · √(Σ 1/n) is the narrowest 95 % half-width (log scale) these counts allow,
whatever the method. When it is wider than ``PRECISION`` (30 %) of the estimated effect, the
answer says how many times the records (months × communities) would be needed to measure an
effect of that size to ±30 % of itself. For losses the floor comes from the case counts, so
it is a lower bound (the spread of the amounts adds to it).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from fanzha.reporting.riskmap import RiskRow
from fanzha.reporting.targeting import add_months
from fanzha.workflow.campaign.models import Audience

__all__ = [
    "MEASURES",
    "PRECISION",
    "Estimate",
    "Window",
    "comparable",
    "difference_in_differences",
    "precision_floor",
    "records_needed",
]

MEASURES = ("warnings", "contacts", "cases", "loss")
PRECISION = 0.3  # "measured" = the 95 % interval within ±30 % of the effect itself
F64 = np.ndarray


@dataclass(frozen=True)
class Estimate:
    """One measure's difference in differences, with the counts behind it."""

    measure: str
    targeted: int  # communities
    comparison: int
    targeted_before: int
    targeted_after: int
    comparison_before: int
    comparison_after: int
    effect: float | None  # relative change, −0.25 = 25 % fewer than expected
    low: float | None  # 95 % bootstrap interval
    high: float | None
    conclusive: bool
    statement: str
    floor: float | None = None  # narrowest 95 % half-width (log scale) the counts allow
    needed: float | None = None  # × the records to measure this effect to ±30 % of itself


@dataclass(frozen=True)
class Window:
    """Baseline ``before`` months ending ``gap`` months before ``start``; ``after`` from it.

    The gap keeps the months the plan was made from out of the baseline: communities chosen
    for a bad quarter would otherwise look better afterwards by chance alone (regression to
    the mean) and the campaign would take the credit."""

    start: dt.date
    before: int = 3
    after: int = 3
    gap: int = 0

    def period(self, month: dt.date) -> int | None:
        """0 = baseline, 1 = after, None = outside."""
        if (
            add_months(self.start, -self.gap - self.before)
            <= month
            < add_months(self.start, -self.gap)
        ):
            return 0
        if self.start <= month < add_months(self.start, self.after):
            return 1
        return None

    def matches_on(self, month: dt.date) -> bool:
        """The months comparison communities are matched on: the gap when there is one (the
        months the plan was made from), else the baseline. Matching on the baseline itself
        would pick comparison communities whose baseline was high by chance, and their
        later fall would hide the campaign's effect."""
        if self.gap:
            return add_months(self.start, -self.gap) <= month < self.start
        return self.period(month) == 0


def _per_community(
    rows: Iterable[RiskRow], measure: str, window: Window, audience: Audience | None
) -> dict[str, F64]:
    """community → [sum before, sum after] (of one audience, or everyone)."""
    kind = "cases" if measure == "loss" else measure
    sums: dict[str, F64] = {}
    for row in rows:
        if row.kind != kind or (audience is not None and row.audience is not audience):
            continue
        period = window.period(row.month)
        if period is None:
            continue
        cell = sums.setdefault(row.community, np.zeros(2))
        cell[period] += row.loss_fen / 100 if measure == "loss" else row.count
    return sums


def comparable(
    rows: list[RiskRow],
    targeted: set[str],
    *,
    window: Window,
    audience: Audience | None = None,
    communities: Iterable[str] | None = None,
) -> set[str]:
    """For each targeted community, the untargeted one nearest in warnings and cases over
    the matching months (greedy, without replacement, the busiest targeted first)."""
    pre: dict[str, float] = dict.fromkeys(communities or (), 0.0)
    for row in rows:
        if audience is not None and row.audience is not audience:
            continue
        if row.kind in ("cases", "warnings") and window.matches_on(row.month):
            pre[row.community] = pre.get(row.community, 0.0) + row.count
    pool = sorted(c for c in pre if c not in targeted)
    chosen: set[str] = set()
    for community in sorted(targeted, key=lambda c: -pre.get(c, 0.0)):
        if not pool:
            break
        best = min(pool, key=lambda c: (abs(pre[c] - pre.get(community, 0.0)), c))
        pool.remove(best)
        chosen.add(best)
    return chosen


def _ratio(t: F64, c: F64) -> F64:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray((t[..., 1] / t[..., 0]) / (c[..., 1] / c[..., 0]) - 1.0)


def _interval(t: F64, c: F64, reps: int, seed: int) -> tuple[float, float]:
    rng = np.random.default_rng(seed)
    ti = rng.integers(0, len(t), size=(reps, len(t)))
    ci = rng.integers(0, len(c), size=(reps, len(c)))
    draws = _ratio(t[ti].sum(axis=1), c[ci].sum(axis=1))
    draws = draws[np.isfinite(draws)]
    if draws.size == 0:
        return float("nan"), float("nan")
    low, high = np.quantile(draws, [0.025, 0.975])
    return float(low), float(high)


def precision_floor(counts: list[int]) -> float:
    """1.96 · √(Σ 1/n): the narrowest 95 % half-width of a log rate ratio from these
    Poisson counts (the Cramér–Rao bound; infinite when a cell is empty)."""
    if min(counts) <= 0:
        return math.inf
    return 1.96 * math.sqrt(sum(1.0 / n for n in counts))


def records_needed(effect: float, floor: float) -> float | None:
    """How many times the records it takes for the 95 % half-width, (1 + effect) · floor on
    the relative scale, to shrink to ``PRECISION`` · |effect| (it shrinks with √records);
    ``None`` when these records already suffice or there is no effect to measure."""
    if effect == 0 or effect <= -1 or not math.isfinite(floor):
        return None
    factor = ((1 + effect) * floor / (PRECISION * abs(effect))) ** 2
    return factor if factor > 1 else None


def _floor_words(measure: str, floor: float, needed: float) -> str:
    times = f"{needed:.1f}" if needed < 10 else f"{needed:.0f}"
    bound = "at least" if measure == "loss" else "about"  # the amounts' spread adds to it
    return (
        f"; from these counts no method can be surer than ±{math.expm1(floor) * 100:.0f}%, "
        f"and an effect this size takes {bound} {times}× the records (months × communities) "
        "to be measured to ±30% of itself"
    )


def _statement(measure: str, effect: float, low: float, high: float) -> str:
    if low <= 0 <= high:
        return (
            f"{measure}: {effect * 100:+.0f}% against comparable communities, but the 95% "
            f"interval ({low * 100:+.0f}% to {high * 100:+.0f}%) includes no change: "
            "no effect can be concluded"
        )
    way = "fewer" if effect < 0 else "more"
    return (
        f"{measure}: {abs(effect) * 100:.0f}% {way} than expected in the targeted communities "
        f"(95% interval {low * 100:+.0f}% to {high * 100:+.0f}%)"
    )


@dataclass(frozen=True)
class _Design:
    rows: list[RiskRow]
    targeted: set[str]
    comparison: set[str]
    window: Window
    audience: Audience | None
    min_count: int
    min_communities: int
    reps: int
    seed: int

    def sums(self, measure: str) -> tuple[F64, F64]:
        found = _per_community(self.rows, measure, self.window, self.audience)
        return _stack(found, self.targeted), _stack(found, self.comparison)


def difference_in_differences(
    rows: list[RiskRow],
    *,
    targeted: set[str],
    comparison: set[str],
    window: Window,
    audience: Audience | None = None,
    measures: tuple[str, ...] = MEASURES,
    min_count: int = 20,
    min_communities: int = 5,
    reps: int = 2000,
    seed: int = 0,
) -> list[Estimate]:
    """One :class:`Estimate` per measure (over one audience's rows, or everyone's)."""
    design = _Design(
        rows, targeted, comparison, window, audience, min_count, min_communities, reps, seed
    )
    return [_estimate(design, m) for m in measures]


def _stack(sums: dict[str, F64], names: set[str]) -> F64:
    return np.array([sums.get(c, np.zeros(2)) for c in sorted(names)]).reshape(-1, 2)


def _cells(t: F64, c: F64) -> list[int]:
    return [int(v) for v in (*t.sum(axis=0), *c.sum(axis=0))]


def _too_small(d: _Design, measure: str, counted: list[int]) -> str:
    return (
        f"{measure}: too few to conclude — {counted[0]}/{counted[1]} records before/after in "
        f"{len(d.targeted)} targeted communities, {counted[2]}/{counted[3]} in "
        f"{len(d.comparison)} comparison ones (need ≥ {d.min_count} in each cell and "
        f"≥ {d.min_communities} communities a side)"
    )


def _estimate(d: _Design, measure: str) -> Estimate:
    t, c = d.sums(measure)
    cells = _cells(t, c)
    counted = cells if measure != "loss" else _cells(*d.sums("cases"))  # money is no count
    base: dict[str, Any] = {
        "measure": measure,
        "targeted": len(d.targeted),
        "comparison": len(d.comparison),
        "targeted_before": cells[0],
        "targeted_after": cells[1],
        "comparison_before": cells[2],
        "comparison_after": cells[3],
    }
    small = (
        min(counted) < d.min_count or min(len(d.targeted), len(d.comparison)) < d.min_communities
    )
    if small or min(cells) == 0:
        why = _too_small(d, measure, counted)
        return Estimate(**base, effect=None, low=None, high=None, conclusive=False, statement=why)
    effect = float(_ratio(t.sum(axis=0), c.sum(axis=0)))
    low, high = _interval(t, c, d.reps, d.seed)
    floor = precision_floor(counted)
    needed = records_needed(effect, floor)
    statement = _statement(measure, effect, low, high)
    if needed is not None:
        statement += _floor_words(measure, floor, needed)
    return Estimate(
        **base,
        effect=effect,
        low=low,
        high=high,
        conclusive=not low <= 0 <= high,
        statement=statement,
        floor=floor,
        needed=needed,
    )
