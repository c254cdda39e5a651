"""Tier figures on hand-computed cases: desk load, desk precision, victims reached in time."""

from __future__ import annotations

from fanzha.evaluation.metrics import WarningFact, evaluate
from tests.unit.evaluation.test_metrics import ALICE, BOB, CAROL, DAN, RESIDENT, h, target, truth


def tiered(
    resident: str,
    at: float,
    tier: str,
    reached: float | None,
    *,
    last: float | None = None,
    level: int = 3,
    victim_score: float | None = None,
) -> WarningFact:
    return WarningFact(
        resident,
        h(at),
        h(last if last is not None else at),
        level,
        "impersonate_police",
        tier=tier,
        reached_at=h(reached) if reached is not None else None,
        victim_score=victim_score,
    )


def test_tier_metrics_absent_without_tiers() -> None:
    result = evaluate(truth(target(ALICE, 0, 2)), [], RESIDENT)
    assert "tiers" not in result


def test_tier_metrics_desk_load_and_engaged_precision() -> None:
    t = truth(
        target(ALICE, 0, 10),  # would lose
        target(BOB, 0, None, stage="engaged"),
        target(CAROL, 0, None, stage="contacted"),  # cold contact
        residents=100_000,
    )
    facts = [
        tiered("PA", 1, "one_to_one", 1),
        tiered("PB", 1, "one_to_one", 1),
        tiered("PC", 1, "one_to_one", 1),
        tiered("PD", 1, "automated", 1),  # no fraud at all
    ]
    tiers = evaluate(t, facts, RESIDENT)["tiers"]
    assert tiers["desk_per_day_per_100k"] == 1.5  # 3 one-to-one over 2 days per 100k
    assert tiers["desk_precision_engaged"] == round(2 / 3, 4)
    assert tiers["by_tier"]["automated"]["precision_engaged"] == 0.0
    assert tiers["by_tier"]["assisted"]["precision_engaged"] is None  # no warnings: no rate


def test_tier_metrics_reached_before_loss_needs_a_contact_tier_in_time() -> None:
    t = truth(target(ALICE, 0, 5), target(BOB, 0, 5), target(CAROL, 0, 5), target(DAN, 0, 5))
    facts = [
        tiered("PA", 1, "automated", 2),  # reached at 2 h, loss at 5 h
        tiered("PB", 1, "watch", None),  # watched: never contacted
        tiered("PC", 1, "assisted", 6),  # warned in time, but reached only after the loss
        tiered("PD", 1, "one_to_one", 1, last=1),
    ]
    tiers = evaluate(t, facts, RESIDENT)["tiers"]
    assert tiers["would_be_victims"] == 4
    assert tiers["victims_reached_before_loss"] == 2
    assert tiers["reached_before_loss"] == 0.5
    assert tiers["by_tier"]["automated"]["victims_reached_before_loss"] == 1
    assert tiers["by_tier"]["one_to_one"]["victims_reached_before_loss"] == 1
    assert tiers["by_tier"]["watch"]["victims_reached_before_loss"] == 0


def test_tier_metrics_victim_model_reshapes_high_levels() -> None:
    t = truth(target(ALICE, 0, None, stage="engaged"), target(BOB, 0, None, stage="contacted"))
    facts = [
        tiered("PA", 1, "one_to_one", 1, level=2, victim_score=0.9),  # promoted to 高
        tiered("PB", 1, "automated", 1, level=3, victim_score=0.01),  # demoted from 高
    ]
    tiers = evaluate(t, facts, RESIDENT)["tiers"]
    assert tiers["high_engaged_precision"] == 0.0
    assert tiers["high_engaged_precision_with_victim_model"] == 1.0
