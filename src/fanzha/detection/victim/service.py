"""Score warnings with the victim model: checkpoints → features → P(engaged) and reasons."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import duckdb
import pandas as pd

from fanzha.detection.pipeline import DetectedWarning
from fanzha.detection.victim.checkpoints import WarningSnapshot, checkpoint_frame
from fanzha.detection.victim.explain import explain_words
from fanzha.detection.victim.features import victim_features
from fanzha.detection.victim.model import VictimRiskModel
from fanzha.errors import ConfigError


def load_victim_model(path: Path | None) -> VictimRiskModel | None:
    """The trained victim model at ``path`` (``None``: tiers use levels and signals only)."""
    if path is None:
        return None
    if not Path(path).exists():
        raise ConfigError("victim model file not found", file=str(path))
    return VictimRiskModel.load(path)


def snapshots_of(detected: Iterable[DetectedWarning]) -> list[WarningSnapshot]:
    """Detected warnings as snapshots, keyed by their position."""
    return [WarningSnapshot.of(str(i), w, w.reasons) for i, w in enumerate(detected)]


def score_checkpoints(
    con: duckdb.DuckDBPyConnection,
    snapshots: list[WarningSnapshot],
    model: VictimRiskModel | None,
    *,
    every_signal: bool,
    explain: bool = True,
) -> pd.DataFrame:
    """The checkpoint frame plus ``victim_score`` and ``explanation`` (None without a model)."""
    ck = checkpoint_frame(snapshots, every_signal=every_signal)
    if model is None or ck.empty:
        ck["victim_score"] = None
        ck["explanation"] = [[] for _ in range(len(ck))]
        return ck
    features = victim_features(con, ck)
    ck["victim_score"] = model.score(features)
    if explain:
        values = features.to_dict("records")
        words = [explain_words(c, v) for c, v in zip(model.explain(features), values, strict=True)]
        ck["explanation"] = pd.Series(words, index=ck.index, dtype=object)
    else:
        ck["explanation"] = [[] for _ in range(len(ck))]
    return ck
