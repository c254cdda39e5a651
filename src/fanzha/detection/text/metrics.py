"""Evaluation of scam-text models: the data-set protocol, leave-one-type-out, unseen scripts.

- :func:`protocol_split`: the Telecom_Fraud_Texts_5 protocol of ``docs/models.md`` — a
  stratified 20 % holdout drawn with seed 0.
- :func:`verdict_metrics`: macro-F1 over the true labels, normal false-positive rate, fraud
  recall (any fraud type counts) and the confusion matrix.
- :func:`leave_one_type_out`: for each fraud type, train without it and measure how many of
  its texts are still flagged as fraud (any type), and the normal FPR of that model.
- :func:`generalisation`: recall per fraud type and false positives on a labelled set of
  texts written apart from the training data (``text,label`` columns).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from sklearn.metrics import confusion_matrix, f1_score

from fanzha.core.fraud_types import NORMAL
from fanzha.detection.text.base import TextScorer

Trainer = Callable[[list[str], list[str]], TextScorer]


def holdout_mask(y: np.ndarray, share: float, seed: int) -> np.ndarray:
    """A stratified random mask selecting ``share`` of every label (labels with ≤ 2 rows: none)."""
    rng = np.random.default_rng(seed)
    mask = np.zeros(len(y), dtype=bool)
    for label in sorted(set(y.tolist())):
        rows = np.flatnonzero(y == label)
        take = round(len(rows) * share) if len(rows) > 2 else 0
        mask[rng.choice(rows, size=take, replace=False)] = True
    return mask


def protocol_split(labels: Sequence[str], share: float = 0.2, seed: int = 0) -> np.ndarray:
    """The test mask of the data-set protocol (stratified by the raw label, in label order
    of first appearance — the order ``docs/models.md``'s figures were measured with)."""
    raw = np.asarray(labels, dtype=object)
    rng = np.random.default_rng(seed)
    mask = np.zeros(len(raw), dtype=bool)
    for label in dict.fromkeys(raw.tolist()):
        rows = np.flatnonzero(raw == label)
        mask[rng.choice(rows, size=round(len(rows) * share), replace=False)] = True
    return mask


def verdict_metrics(
    truth: Sequence[str], predicted: Sequence[str]
) -> tuple[dict[str, float], dict[str, Any]]:
    """Macro-F1 (over the true labels), normal FPR, fraud recall, and the confusion matrix."""
    y = np.asarray(truth, dtype=object)
    p = np.asarray(predicted, dtype=object)
    normal = y == NORMAL
    metrics = {
        "macro_f1": float(f1_score(y, p, labels=sorted(set(y.tolist())), average="macro")),
        "normal_false_positive_rate": float(np.mean(p[normal] != NORMAL))
        if normal.any()
        else float("nan"),
        "fraud_recall": float(np.mean(p[~normal] != NORMAL)) if (~normal).any() else float("nan"),
    }
    labels = sorted(set(y.tolist()) | set(p.tolist()))
    matrix = confusion_matrix(y, p, labels=labels).tolist()
    return metrics, {"labels": labels, "matrix": matrix}


def leave_one_type_out(
    train: Trainer, texts: Sequence[str], labels: Sequence[str], test_mask: np.ndarray
) -> dict[str, dict[str, float]]:
    """Per fraud type: recall on its texts of a model trained without it, and normal FPR.

    The model is trained on the non-test rows minus the left-out type; recall is measured on
    *all* texts of that type, the FPR on the test rows' normal texts.
    """
    y = np.asarray(labels, dtype=object)
    all_texts = [str(t) for t in texts]
    normal_test = [
        t for t, lab, m in zip(all_texts, y, test_mask, strict=True) if m and lab == NORMAL
    ]
    out: dict[str, dict[str, float]] = {}
    for left_out in sorted({str(lab) for lab in y.tolist()} - {NORMAL}):
        keep = (~test_mask) & (y != left_out)
        model = train([all_texts[i] for i in np.flatnonzero(keep)], [str(v) for v in y[keep]])
        held = [all_texts[i] for i in np.flatnonzero(y == left_out)]
        flagged = [v.label != NORMAL for v in model.judge(held)]
        false_pos = [v.label != NORMAL for v in model.judge(normal_test)]
        out[left_out] = {
            "recall": float(np.mean(flagged)),
            "normal_false_positive_rate": float(np.mean(false_pos)),
            "n": float(len(held)),
        }
    return out


def generalisation(
    model: TextScorer, texts: Sequence[str], labels: Sequence[str]
) -> dict[str, float]:
    """Recall per fraud type (``recall:<type>``), overall fraud recall, and the FPR on normals."""
    y = np.asarray(labels, dtype=object)
    predicted = np.array([v.label for v in model.judge(list(texts))], dtype=object)
    fraud = y != NORMAL
    out = {
        "fraud_recall": float(np.mean(predicted[fraud] != NORMAL)) if fraud.any() else float("nan"),
        "normal_false_positive_rate": float(np.mean(predicted[~fraud] != NORMAL))
        if (~fraud).any()
        else float("nan"),
        "type_correct": float(np.mean(predicted[fraud] == y[fraud]))
        if fraud.any()
        else float("nan"),
    }
    for label in sorted(set(y[fraud].tolist())):
        out[f"recall:{label}"] = float(np.mean(predicted[y == label] != NORMAL))
    return out
