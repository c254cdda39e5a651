"""Backtest the tiers: replay each warning's signals in time order through the tier rules.

Every checkpoint (the warning's issue, then each new signal) is judged with only what was
known by then: its victim score from events up to that moment, the desk places left that day
at that station. A warning's tier only goes up; it *reaches* the resident the first time its
tier is not watch.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd

from fanzha.detection.pipeline import DetectedWarning
from fanzha.evaluation.metrics import WarningFact
from fanzha.workflow.tier.engine import DeskBudget, TierInput, decide
from fanzha.workflow.tier.rules import Tier, TierRules


@dataclass
class Track:
    """One warning's tier over its checkpoints."""

    tier: Tier | None = None
    reached_at: dt.datetime | None = None
    one_to_one_at: dt.datetime | None = None
    victim_score: float | None = None
    reasons: list[dict[str, Any]] | None = None


def replay(
    detected: list[DetectedWarning], checkpoints: pd.DataFrame, rules: TierRules, capacity: int
) -> list[Track]:
    """Tier tracks, one per detected warning (``checkpoints`` from ``score_checkpoints``)."""
    tracks = [Track() for _ in detected]
    budget = DeskBudget(capacity)
    ordered = checkpoints.sort_values(["as_of", "key"], kind="stable")
    for row in ordered.to_dict("records"):
        _step(tracks, detected, row, rules, budget)
    return tracks


def tiered_facts(detected: list[DetectedWarning], tracks: list[Track]) -> list[WarningFact]:
    """Evaluation facts carrying the backtested tier."""
    return [
        WarningFact(
            w.resident_id,
            w.warned_at,
            w.last_signal_at,
            w.level,
            w.fraud_type,
            tier=t.tier,
            reached_at=t.reached_at,
            victim_score=t.victim_score,
        )
        for w, t in zip(detected, tracks, strict=True)
    ]


def _step(
    tracks: list[Track],
    detected: list[DetectedWarning],
    row: dict[Any, Any],
    rules: TierRules,
    budget: DeskBudget,
) -> None:
    index = int(row["warning"])
    track = tracks[index]
    raw = row["victim_score"]
    score = None if raw is None or pd.isna(raw) else float(raw)
    as_of: dt.datetime = row["as_of"]
    item = TierInput(
        str(row["warning"]),
        detected[index].station,
        as_of,
        int(row["level"]),
        frozenset(row["kinds"]),
        score,
    )
    decision = decide(item, rules, budget, track.tier)
    track.tier, track.reasons, track.victim_score = decision.tier, decision.reasons, score
    if decision.tier != "watch" and track.reached_at is None:
        track.reached_at = as_of
    if decision.tier == "one_to_one" and track.one_to_one_at is None:
        track.one_to_one_at = as_of
