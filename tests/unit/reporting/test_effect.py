"""The effect measure: difference in differences with a bootstrap interval, checked against
hand-made counts and against the simulator's known truth."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from fanzha.reporting.effect import (
    Window,
    comparable,
    difference_in_differences,
    precision_floor,
    records_needed,
)
from fanzha.reporting.riskmap import RiskRow
from fanzha.sim.publicity import PublicityConfig, PublicitySim, simulate_publicity

START = dt.date(2026, 7, 1)


def _rows(community: str, before: int, after: int) -> list[RiskRow]:
    june, july = dt.date(2026, 6, 1), dt.date(2026, 7, 1)
    return [
        RiskRow(community, june, "cases", "other", "60-69", "retiree", before, before * 100),
        RiskRow(community, july, "cases", "other", "60-69", "retiree", after, after * 100),
    ]


def test_effect_ratio_of_ratios_with_the_counts_behind_it() -> None:
    rows = [r for i in range(6) for r in _rows(f"T{i}", 40, 20)]  # halved
    rows += [r for i in range(6) for r in _rows(f"C{i}", 40, 36)]  # city-wide −10 %
    targeted, comparison = {f"T{i}" for i in range(6)}, {f"C{i}" for i in range(6)}
    window = Window(START, before=1, after=1)
    (cases, loss) = difference_in_differences(
        rows, targeted=targeted, comparison=comparison, window=window, measures=("cases", "loss")
    )
    assert (cases.targeted_before, cases.targeted_after) == (240, 120)
    assert (cases.comparison_before, cases.comparison_after) == (240, 216)
    assert cases.effect == pytest.approx(0.5 / 0.9 - 1)
    assert cases.low == pytest.approx(cases.effect) and cases.conclusive  # no spread at all
    assert "44% fewer than expected" in cases.statement
    assert loss.effect == pytest.approx(cases.effect)


def test_effect_too_small_says_so() -> None:
    rows = [r for i in range(6) for r in _rows(f"T{i}", 2, 1)]
    rows += [r for i in range(6) for r in _rows(f"C{i}", 2, 2)]
    (cases,) = difference_in_differences(
        rows,
        targeted={f"T{i}" for i in range(6)},
        comparison={f"C{i}" for i in range(6)},
        window=Window(START, before=1, after=1),
        measures=("cases",),
    )
    assert cases.effect is None and not cases.conclusive
    assert cases.statement.startswith("cases: too few to conclude — 12/6 records")


def test_effect_comparable_communities_are_the_nearest_before() -> None:
    rows = [r for c, n in (("T", 50), ("A", 10), ("B", 48), ("D", 55)) for r in _rows(c, n, n)]
    window = Window(START, before=1, after=1)
    assert comparable(rows, {"T"}, window=window) == {"B"}
    assert comparable(rows, {"T", "D"}, window=window) == {"A", "B"}


def _estimate(sim: PublicitySim) -> dict[str, tuple[float, float, float]]:
    window = Window(sim.start, before=3, after=6, gap=3)
    targeted = set(sim.plan.communities)
    audience = sim.plan.audience
    comparison = comparable(
        sim.rows, targeted, window=window, audience=audience, communities=sim.communities
    )
    found = difference_in_differences(
        sim.rows, targeted=targeted, comparison=comparison, window=window, audience=audience
    )
    assert all(e.effect is not None and e.low is not None and e.high is not None for e in found)
    return {e.measure: (e.effect, e.low, e.high) for e in found}  # type: ignore[misc]


def test_effect_estimate_within_30_percent_of_the_simulated_effect() -> None:
    sim = simulate_publicity(PublicityConfig(true_effect=0.3, seed=0))
    truth = sim.truth["contacts"]
    assert truth == pytest.approx(-0.3 * 0.7)  # the reached share of the audience
    effect, low, high = _estimate(sim)["contacts"]
    assert abs(effect - truth) <= 0.3 * abs(truth), (effect, truth)
    assert low <= truth <= high and high < 0


def test_effect_no_false_effect_when_the_simulator_gives_none() -> None:
    sim = simulate_publicity(PublicityConfig(true_effect=0.0, seed=0))
    assert sim.truth == {"contacts": 0.0, "warnings": 0.0, "cases": 0.0, "loss": 0.0}
    for measure, (_, low, high) in _estimate(sim).items():
        assert low <= 0 <= high, (measure, low, high)


def test_precision_floor_is_the_poisson_bound_and_says_how_many_records_are_needed() -> None:
    counts = [240, 120, 240, 216]
    floor = precision_floor(counts)
    assert floor == pytest.approx(1.96 * math.sqrt(1 / 240 + 1 / 120 + 1 / 240 + 1 / 216))
    assert precision_floor([10, 0, 5, 5]) == math.inf
    # a −10 % effect from these counts: half-width 0.9 × floor against 0.3 × 0.1 wanted
    assert records_needed(-0.1, floor) == pytest.approx((0.9 * floor / 0.03) ** 2)
    assert records_needed(-0.5, floor) is None  # these records already measure a halving
    assert records_needed(0.0, floor) is None


def test_an_imprecise_estimate_says_how_far_from_measured_it_is() -> None:
    rows = [r for i in range(6) for r in _rows(f"T{i}", 40, 34)]  # −15 % before the trend
    rows += [r for i in range(6) for r in _rows(f"C{i}", 40, 38)]
    (cases,) = difference_in_differences(
        rows,
        targeted={f"T{i}" for i in range(6)},
        comparison={f"C{i}" for i in range(6)},
        window=Window(START, before=1, after=1),
        measures=("cases",),
    )
    assert cases.effect == pytest.approx(0.85 / 0.95 - 1)
    assert cases.floor == pytest.approx(precision_floor([240, 204, 240, 228]))
    assert cases.needed is not None and cases.needed > 10
    assert f"no method can be surer than ±{math.expm1(cases.floor) * 100:.0f}%" in cases.statement
    assert f"about {cases.needed:.0f}× the records" in cases.statement


def test_the_simulated_year_is_too_small_for_cases_and_the_floor_says_so() -> None:
    """Seed 0 of the 40-seed study: contacts measured, cases need several times the records
    (bench/study_effect_power.py: 15/40 within ±30 % at 1×, 36/40 at 4×, 39/40 at 12×)."""
    sim = simulate_publicity(PublicityConfig(true_effect=0.3, seed=0))
    window = Window(sim.start, before=3, after=6, gap=3)
    targeted, audience = set(sim.plan.communities), sim.plan.audience
    comparison = comparable(
        sim.rows, targeted, window=window, audience=audience, communities=sim.communities
    )
    found = {
        e.measure: e
        for e in difference_in_differences(
            sim.rows, targeted=targeted, comparison=comparison, window=window, audience=audience
        )
    }
    cases, contacts = found["cases"], found["contacts"]
    assert cases.floor is not None and contacts.floor is not None
    assert cases.floor > 2 * contacts.floor  # ~7× fewer records
    assert (records_needed(sim.truth["cases"], cases.floor) or 1) > 3
    assert (records_needed(sim.truth["contacts"], contacts.floor) or 1) < 2
