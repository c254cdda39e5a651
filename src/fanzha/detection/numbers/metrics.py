"""Binary metrics and threshold choice shared by the number model, its tests and the bench."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.metrics import confusion_matrix, f1_score, precision_score, recall_score, roc_auc_score


def best_f1_threshold(y: np.ndarray, scores: np.ndarray) -> float:
    """The score threshold that maximises F1 of the fraud class (ties: the higher threshold)."""
    order = np.argsort(-scores, kind="stable")
    sorted_scores, sorted_y = scores[order], y[order]
    true_pos = np.cumsum(sorted_y)
    predicted = np.arange(1, len(y) + 1)
    f1 = 2 * true_pos / (predicted + max(int(y.sum()), 1))
    last_of_value = np.r_[sorted_scores[1:] != sorted_scores[:-1], True]
    candidates = np.where(last_of_value)[0]
    best = candidates[np.argmax(f1[candidates])]
    return float(sorted_scores[best])


def binary_metrics(
    y: np.ndarray, scores: np.ndarray, threshold: float
) -> tuple[dict[str, float], dict[str, Any]]:
    """ROC-AUC, F1, precision, recall at ``threshold``, and the confusion matrix."""
    predicted = (scores >= threshold).astype(int)
    metrics = {
        "roc_auc": float(roc_auc_score(y, scores)) if len(np.unique(y)) == 2 else float("nan"),
        "f1": float(f1_score(y, predicted, zero_division=0)),
        "precision": float(precision_score(y, predicted, zero_division=0)),
        "recall": float(recall_score(y, predicted, zero_division=0)),
    }
    matrix = confusion_matrix(y, predicted, labels=[0, 1]).tolist()
    return metrics, {"labels": ["normal", "fraud"], "matrix": matrix}
