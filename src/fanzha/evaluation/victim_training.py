"""Train the victim-risk model on a simulated city, whose ground truth labels every checkpoint.

Detection runs over the city's event store; every warning is replayed signal by signal into
checkpoints (what the desk knew at each signal); a checkpoint is labelled 1 when ground truth
says the resident was engaging by then (``evaluation.engaged``). A centre without ground
truth trains on its desk's recorded outcomes instead (``fanzha train-victim-model
--from-desk``, :mod:`fanzha.detection.victim.desk`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from fanzha.detection.pipeline import run_detection
from fanzha.detection.rules.model import Rules
from fanzha.detection.text.base import TextScorer
from fanzha.detection.victim.features import victim_features
from fanzha.detection.victim.model import VictimRiskModel
from fanzha.detection.victim.service import score_checkpoints, snapshots_of
from fanzha.errors import EvaluationError
from fanzha.evaluation.engaged import engaged_labels
from fanzha.evaluation.experiment import residents_by_phone
from fanzha.evaluation.truth import load_truth
from fanzha.store.event_store import EventStore

MIN_ENGAGED = 10  # fewer engaged checkpoints than this cannot train or calibrate a model


@dataclass(frozen=True)
class TrainingRun:
    """The trained model and what it was trained on."""

    model: VictimRiskModel
    warnings: int
    checkpoints: int
    engaged: int
    feature_seconds: float


def train_on_city(
    store: EventStore, sim_dir: Path, rules: Rules, scorer: TextScorer, *, seed: int = 0
) -> TrainingRun:
    """Detect over ``store``, label the checkpoints from ``sim_dir``'s ground truth, fit."""
    truth = load_truth(sim_dir)
    result = run_detection(store, rules, scorer)
    con = store.connect()
    try:
        checkpoints = score_checkpoints(con, snapshots_of(result.warnings), None, every_signal=True)
        start = time.perf_counter()
        features = victim_features(con, checkpoints)
        seconds = time.perf_counter() - start
    finally:
        con.close()
    labels = engaged_labels(checkpoints, truth, residents_by_phone(store))
    engaged = int(labels.sum())
    if engaged < MIN_ENGAGED or engaged == len(labels):
        raise EvaluationError(
            f"{engaged} of {len(labels)} checkpoints are engaged: too few of one class to "
            f"train (need ≥ {MIN_ENGAGED} engaged and some cold; simulate with a higher "
            "--fraud-multiplier or more residents)",
            file=str(sim_dir),
        )
    model = VictimRiskModel(seed=seed).fit(features, labels)
    return TrainingRun(model, len(result.warnings), len(checkpoints), engaged, seconds)
