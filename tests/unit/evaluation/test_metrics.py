"""Evaluation figures on hand-computed cases."""

from __future__ import annotations

import datetime as dt

from fanzha.evaluation.metrics import WarningFact, evaluate
from fanzha.evaluation.truth import Target, Truth

T0 = dt.datetime(2026, 11, 1, 8, 0)
ALICE, BOB, CAROL, DAN = 8613800000001, 8613800000002, 8613800000003, 8613800000004
RESIDENT = {ALICE: "PA", BOB: "PB", CAROL: "PC", DAN: "PD"}


def h(hours: float) -> dt.datetime:
    return T0 + dt.timedelta(hours=hours)


def target(
    phone: int,
    contact: float,
    loss: float | None,
    stage: str = "would_lose",
    fraud_type: str = "impersonate_police",
) -> Target:
    return Target(
        phone, fraud_type, h(contact), stage, h(loss) if loss is not None else None, 1000.0
    )


def warning(
    resident: str,
    at: float,
    last: float | None = None,
    level: int = 3,
    fraud_type: str = "impersonate_police",
) -> WarningFact:
    return WarningFact(resident, h(at), h(last if last is not None else at), level, fraud_type)


def truth(*targets: Target, residents: int = 200_000) -> Truth:
    return Truth(list(targets), T0, T0 + dt.timedelta(days=2), residents)


def test_metrics_recall_counts_only_warnings_before_the_loss() -> None:
    t = truth(target(ALICE, 0, 2), target(BOB, 0, 2))
    result = evaluate(t, [warning("PA", 1), warning("PB", 3)], RESIDENT)["overall"]
    assert result["would_be_victims"] == 2
    assert result["warned_before_loss"] == 1
    assert result["recall"] == 0.5
    assert result["median_lead_minutes"] == 60.0


def test_metrics_open_warning_from_before_the_contact_counts_from_the_contact() -> None:
    t = truth(target(ALICE, 5, 6))
    result = evaluate(t, [warning("PA", 1, last=5.5)], RESIDENT)["overall"]
    assert result["warned_before_loss"] == 1
    assert result["median_lead_minutes"] == 60.0  # from the contact at 5 h, not the warning


def test_metrics_warning_whose_episode_ended_before_the_fraud_does_not_count() -> None:
    t = truth(target(ALICE, 5, 6))
    result = evaluate(t, [warning("PA", 1, last=2)], RESIDENT)["overall"]
    assert result["warned_before_loss"] == 0
    assert result["precision"] == 0.0


def test_metrics_precision_counts_fraud_related_warnings() -> None:
    t = truth(target(ALICE, 0, None, stage="contacted"), target(BOB, 0, None, stage="engaged"))
    facts = [warning("PA", 1), warning("PB", 1), warning("PC", 1), warning("PD", 1)]
    result = evaluate(t, facts, RESIDENT)["overall"]
    assert result["precision"] == 0.5
    assert result["precision_engaged"] == 0.25
    assert result["would_be_victims"] == 0
    assert result["recall"] is None  # no victims: no rate, not a fake 0 or 100 %


def test_metrics_volume_is_per_day_per_100k() -> None:
    result = evaluate(truth(), [warning("PA", 1)] * 8, RESIDENT)["overall"]
    assert result["warnings_per_day_per_100k"] == 2.0  # 8 warnings / 2 days / 2 × 100k


def test_metrics_groups_by_type_and_level() -> None:
    t = truth(target(ALICE, 0, 2, fraud_type="romance"))
    facts = [warning("PA", 1, level=4, fraud_type="romance"), warning("PB", 1, level=1)]
    result = evaluate(t, facts, RESIDENT)
    assert result["by_fraud_type"]["romance"]["recall"] == 1.0
    assert result["by_level"]["4"]["precision"] == 1.0
    assert result["by_level"]["1"]["precision"] == 0.0
    assert result["overall"]["type_accuracy"] == 1.0
