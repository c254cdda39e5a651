"""How often the campaign-effect estimate lands within ±30 % of the simulated truth, and
whether the precision floor predicts it (issue 13).

Run: ``.venv/bin/python bench/study_effect_power.py [--seeds 40] [--scales 1 4 12]``.

For each scale k the simulated year has k × the residents per community (so k × the
records in every cell: the same as k × the communities or, roughly, k × the months); per
seed and measure it records whether the estimate is within ±30 % of the truth, whether the
95 % interval covers the truth and 0, the precision floor of the counts
(:func:`fanzha.reporting.effect.precision_floor`) and the records factor it asks for at the
true effect (:func:`fanzha.reporting.effect.records_needed`). A statistical study, not a
timing: it prints counts over seeds, nothing about speed.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from fanzha.reporting.effect import (  # noqa: E402
    MEASURES,
    Estimate,
    Window,
    comparable,
    difference_in_differences,
    records_needed,
)
from fanzha.sim.publicity import PublicityConfig, simulate_publicity  # noqa: E402


def _estimates(config: PublicityConfig) -> tuple[list[Estimate], dict[str, float]]:
    sim = simulate_publicity(config)
    window = Window(sim.start, before=3, after=6, gap=3)
    targeted, audience = set(sim.plan.communities), sim.plan.audience
    comparison = comparable(
        sim.rows, targeted, window=window, audience=audience, communities=sim.communities
    )
    found = difference_in_differences(
        sim.rows, targeted=targeted, comparison=comparison, window=window, audience=audience
    )
    return found, sim.truth


def _row(scale: int, measure: str, runs: list[tuple[Estimate, float]]) -> str:
    within = sum(e.effect is not None and abs(e.effect - t) <= 0.3 * abs(t) for e, t in runs if t)
    covers = sum(e.low is not None and e.high is not None and e.low <= t <= e.high for e, t in runs)
    floors = [e.floor for e, _ in runs if e.floor is not None and math.isfinite(e.floor)]
    floor = statistics.mean(floors) if floors else math.nan
    truth = runs[0][1]
    needed = records_needed(truth, floor) if truth else None
    cells = (
        "as cases"
        if measure == "loss"
        else f"{statistics.mean(e.targeted_before for e, _ in runs):,.0f}"
    )
    return (
        f"| {scale}× | {measure} | {cells} | {within}/{len(runs)} | {covers}/{len(runs)} "
        f"| ±{math.expm1(floor) * 100:.0f} % | {needed or 1:.1f}× |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=40)
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 4, 12])
    parser.add_argument("--effect", type=float, default=0.3)
    args = parser.parse_args()
    print(
        "| records | measure | targeted baseline records | within ±30 % of truth "
        "| interval covers truth | floor (95 % half-width) "
        "| records needed at the truth (1.0× = enough) |"
    )
    print("|---|---|---|---|---|---|---|")
    base = PublicityConfig(true_effect=args.effect)
    for scale in args.scales:
        runs: dict[str, list[tuple[Estimate, float]]] = {m: [] for m in MEASURES}
        for seed in range(args.seeds):
            config = replace(
                base, seed=seed, residents_per_community=base.residents_per_community * scale
            )
            found, truth = _estimates(config)
            for e in found:
                runs[e.measure].append((e, truth[e.measure]))
        for measure in MEASURES:
            print(_row(scale, measure, runs[measure]), flush=True)


if __name__ == "__main__":
    main()
