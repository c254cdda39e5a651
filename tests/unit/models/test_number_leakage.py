"""Leakage guards of the fraud-number model's graph features (nested out-of-fold scores)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from fanzha.detection.numbers.model import FraudNumberModel


def _graph_data(seed: int = 3) -> tuple[pd.DataFrame, np.ndarray, pd.DataFrame]:
    """Numbers whose label is told mostly by their neighbours' labels (two communities)."""
    rng = np.random.default_rng(seed)
    n = 120
    y = (np.arange(n) < n // 2).astype(np.int64)
    ids = [f"n{i:03d}" for i in range(n)]
    features = pd.DataFrame({"calls": rng.normal(y * 0.3, 1.0)}, index=ids)
    src, dst = [], []
    for i in range(n):
        for j in rng.choice(n, size=6, replace=False):
            same = y[i] == y[j]
            if i != j and (same or rng.random() < 0.15):
                src.append(ids[i])
                dst.append(ids[int(j)])
    return features, y, pd.DataFrame({"src": src, "dst": dst})


def _oof(
    model: FraudNumberModel, data: pd.DataFrame, y: np.ndarray, edges: pd.DataFrame
) -> np.ndarray:
    values = data.to_numpy(dtype=np.float64)
    return np.asarray(model._out_of_fold(values, model._graph_context(edges), y))


def test_number_oof_scores_ignore_their_own_folds_labels() -> None:
    data, y, edges = _graph_data()
    model = FraudNumberModel(n_estimators=30, min_child_samples=5, folds=4, seed=0)
    model.fit(data, y, edges)
    before = _oof(model, data, y, edges)
    order = np.random.default_rng(model.seed + 1).permutation(len(y))
    first_fold = np.array_split(order, model.folds)[0]
    flipped = y.copy()
    flipped[first_fold] = 1 - flipped[first_fold]
    after = _oof(model, data, flipped, edges)
    assert np.allclose(before[first_fold], after[first_fold])
    rest = np.setdiff1d(order, first_fold)
    assert not np.allclose(before[rest], after[rest])  # the labels do reach the other folds


def test_number_scores_are_seeded_and_use_training_labels() -> None:
    data, y, edges = _graph_data()
    train, test = data.iloc[:90], data.iloc[90:]
    y_train = y[:90]
    base = FraudNumberModel(n_estimators=30, min_child_samples=5, seed=0)
    scores = base.fit(train, y_train, edges).score(test, edges)
    again = FraudNumberModel(n_estimators=30, min_child_samples=5, seed=0)
    assert np.allclose(again.fit(train, y_train, edges).score(test, edges), scores)
    flipped = FraudNumberModel(n_estimators=30, min_child_samples=5, seed=0)
    changed = flipped.fit(train, 1 - y_train, edges).score(test, edges)
    assert not np.allclose(changed, scores)
