"""Quality on the public data sets: figures that a regression must not silently lower.

The issue's targets are Sichuan F1 ≥ 0.92 / AUC ≥ 0.96 and text macro-F1 ≥ 0.99; the measured
figures (docs/models.md: Sichuan AUC 0.954 / F1 0.884, text macro-F1 0.980) are below those,
so these tests hold the *measured* level (less a small margin for library and platform
differences) as a floor and the gap is reported, not hidden. Text unseen-type recall and
normal FPR meet their targets.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import f1_score, roc_auc_score

from fanzha.core.fraud_types import NORMAL
from fanzha.detection.text.classifier import canonical_label
from tests.unit.models.factories import DATA

pytestmark = [pytest.mark.shared_data, pytest.mark.slow]


def test_number_model_sichuan_holdout_auc_and_f1(sichuan: dict[str, object]) -> None:
    model, test, edges = sichuan["model"], sichuan["test"], sichuan["edges"]
    assert isinstance(test, pd.DataFrame)
    scores = model.score(test.drop(columns="label"), edges)  # type: ignore[attr-defined]
    predicted = scores >= model.threshold_  # type: ignore[attr-defined]
    auc = roc_auc_score(test["label"], scores)
    f1 = f1_score(test["label"], predicted)
    assert auc >= 0.950, f"ROC-AUC {auc:.4f} (target 0.96, measured 0.954)"
    assert f1 >= 0.875, f"F1 {f1:.4f} (target 0.92, measured 0.884)"


def _labels_and_predictions(fraud_texts: dict[str, object]) -> tuple[np.ndarray, np.ndarray]:
    test = fraud_texts["test"]
    assert isinstance(test, pd.DataFrame)
    truth = np.array([canonical_label(x) for x in test["label"]], dtype=object)
    model: Any = fraud_texts["model"]
    predicted = np.array(model.predict(test["text"].tolist()), dtype=object)
    return truth, predicted


def test_text_classifier_heldout_macro_f1(fraud_texts: dict[str, object]) -> None:
    truth, predicted = _labels_and_predictions(fraud_texts)
    macro = f1_score(truth, predicted, labels=sorted(set(truth)), average="macro")
    assert macro >= 0.975, f"macro-F1 {macro:.4f} (target 0.99, measured 0.980)"


def test_text_classifier_normal_false_positive_rate(fraud_texts: dict[str, object]) -> None:
    truth, predicted = _labels_and_predictions(fraud_texts)
    normal = truth == NORMAL
    assert np.mean(predicted[normal] != NORMAL) <= 0.005


def test_text_classifier_unseen_type_recall(fraud_texts: dict[str, object]) -> None:
    unseen = pd.read_csv(DATA / "unseen_types.csv")
    assert len(unseen) >= 60
    predicted = np.array(fraud_texts["model"].predict(unseen["text"].tolist()))  # type: ignore[attr-defined]
    recall = float(np.mean(predicted != NORMAL))
    assert recall >= 0.90, f"unseen-type recall {recall:.3f}"
    typed = float(np.mean(predicted == unseen["fraud_type"].to_numpy()))
    assert typed >= 0.82, f"unseen-type texts with the right type {typed:.3f} (measured 0.855)"


def test_text_classifier_hard_normals_mostly_pass(fraud_texts: dict[str, object]) -> None:
    hard = pd.read_csv(DATA / "hard_normal.csv")
    predicted = fraud_texts["model"].predict(hard["text"].tolist())  # type: ignore[attr-defined]
    assert sum(label != NORMAL for label in predicted) <= 1
