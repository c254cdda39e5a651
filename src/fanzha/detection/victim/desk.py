"""Train the victim-risk model on the desk's own outcomes, where there is no ground truth.

Each warning whose outcome gives a label (``fanzha.workflow.outcome.labels``: engaged 1, not
engaged 0, unusable ones left out) is one training row. Its **checkpoint is the warning's issue
time** (``warned_at``, the data time of the signal that raised it, which is when its tier was
first set): only the signals up to then, and features over the window from the episode start
to then (:func:`.features.victim_features`, which counts only events by ``as_of``). Nothing the
officer did or learnt, and no later signal or event, enters the row — so the model learns what
the desk could have known when it chose the tier. The cost: a resident who engaged only after
the warning is a 1 at a checkpoint that may not show it yet (label noise, not leakage).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace

import duckdb
import numpy as np
import pandas as pd

from fanzha.detection.victim.checkpoints import WarningSnapshot, checkpoint_frame
from fanzha.detection.victim.features import victim_features
from fanzha.detection.victim.model import VictimRiskModel
from fanzha.errors import ConfigError

MIN_PER_CLASS = 10  # fewer engaged (or not engaged) warnings than this cannot train a model


@dataclass(frozen=True)
class DeskLabel:
    """One warning with its deciding outcome code and the label it gives (None: unusable)."""

    snapshot: WarningSnapshot
    code: str
    label: int | None


@dataclass(frozen=True)
class DeskTrainingRun:
    """The trained model and the labels it learnt from."""

    model: VictimRiskModel
    counts: dict[str, int]  # warnings per outcome code, unusable ones included
    warnings: int  # labelled warnings trained on
    engaged: int
    source: str  # the label source, as written on the model card


def issue_checkpoints(snapshots: Sequence[WarningSnapshot]) -> pd.DataFrame:
    """One checkpoint per warning, at its issue time (signals after it are not seen)."""
    at_issue = [replace(s, last_signal_at=s.warned_at) for s in snapshots]
    return checkpoint_frame(at_issue, every_signal=False)


def label_counts(labels: Sequence[DeskLabel]) -> dict[str, int]:
    """Warnings per outcome code, most frequent first."""
    return dict(Counter(d.code for d in labels).most_common())


def label_source(since: dt.datetime | None, warnings: int, engaged: int) -> str:
    """The model card's label source line."""
    when = f"since {since:%Y-%m-%d}" if since is not None else "(all recorded)"
    return f"desk outcomes {when}, {warnings:,} warnings, {engaged:,} engaged"


def check_enough(engaged: int, total: int, since: dt.datetime | None) -> None:
    """Refuse to train on fewer than :data:`MIN_PER_CLASS` warnings of either class."""
    cold = total - engaged
    if min(engaged, cold) < MIN_PER_CLASS:
        when = f" since {since:%Y-%m-%d}" if since is not None else ""
        raise ConfigError(
            f"desk outcomes{when} label {engaged} warnings engaged and {cold} not engaged: "
            f"too few to train (need ≥ {MIN_PER_CLASS} of each; record more outcomes or "
            "widen --since)"
        )


def train_from_desk(
    con: duckdb.DuckDBPyConnection,
    labels: Sequence[DeskLabel],
    *,
    since: dt.datetime | None = None,
    seed: int = 0,
) -> DeskTrainingRun:
    """Fit the victim model on the labelled warnings, features at their issue checkpoints."""
    usable = [d for d in labels if d.label is not None]
    y = np.asarray([d.label for d in usable], dtype=np.int64)
    engaged = int(y.sum())
    check_enough(engaged, len(y), since)
    features = victim_features(con, issue_checkpoints([d.snapshot for d in usable]))
    model = VictimRiskModel(seed=seed).fit(features, y)
    source = label_source(since, len(y), engaged)
    model.note_labels(source, "1 = dissuaded / visited / defrauded / relative; 0 = 自主防范 / 不符")
    return DeskTrainingRun(model, label_counts(labels), len(y), engaged, source)
