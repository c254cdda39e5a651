"""The scam-text classifier: hashed character n-grams + a linear model, backed by type lexicons.

- **Linear part**: character 1–3-grams hashed into ``n_features`` buckets (:mod:`.ngrams`),
  sublinear TF·IDF, L2 norm, a one-vs-rest linear SVM over the training labels (normal and the
  fraud types present in the data). Margins become probabilities through a softmax whose
  temperature is fitted on a held-out slice of the training data.
- **Lexicon part** (:mod:`.lexicon`): topic cues of all ten types plus scam mechanics; it flags
  texts of types the training data never showed (investment, romance, rebate tasks …).

Verdict: if the linear part gives P(fraud) ≥ 0.5 the label is its most likely fraud type (or
the lexicon's type when that type was absent from training, the lexicon is confident and the
linear part is not: its type holds less than ``override_below`` of its P(fraud));
otherwise a flagging lexicon gives its type; else ``正常``. ``fraud_score`` is the larger of
the two parts' evidence.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Self

import numpy as np
import scipy.sparse as sp
from sklearn.metrics import confusion_matrix, f1_score
from sklearn.svm import LinearSVC

from fanzha.core.fraud_types import NORMAL, parse
from fanzha.detection.estimator import (
    Estimator,
    ModelMeta,
    arrays_from_bytes,
    arrays_to_bytes,
    fingerprint,
)
from fanzha.detection.text.base import TextVerdict
from fanzha.detection.text.lexicon import LexiconHit, TypeLexicon
from fanzha.detection.text.ngrams import hashed_counts
from fanzha.errors import ModelError

TEMPERATURES = np.geomspace(0.5, 100.0, 40)
TOP_FEATURES = 15


def canonical_label(label: object) -> str:
    """``正常`` or the code of a fraud type (public data-set labels are aliases)."""
    text = str(label).strip()
    if text in (NORMAL, "normal", "0"):
        return NORMAL
    try:
        return parse(text)
    except ValueError as exc:
        raise ModelError(f"unknown text label {text!r}") from exc


class ScamTextClassifier(Estimator[Sequence[str]]):
    """Chinese text → fraud type code or ``正常``, with P(fraud)."""

    kind = "scam_text"

    def __init__(
        self,
        max_n: int = 3,
        n_features: int = 2**18,
        c: float = 2.0,
        use_lexicon: bool = True,
        lexicon_threshold: float = 3.0,
        override_below: float = 0.6,
        holdout: float = 0.1,
        seed: int = 0,
    ) -> None:
        self.max_n = max_n
        self.n_features = n_features
        self.c = c
        self.use_lexicon = use_lexicon
        self.lexicon_threshold = lexicon_threshold
        self.override_below = override_below
        self.holdout = holdout
        self.seed = seed

    # ------------------------------------------------------------------ training
    def fit(self, data: Sequence[str], labels: Any) -> Self:
        """Learn from texts and their labels (type names, codes, aliases or ``正常``)."""
        texts = [str(t) for t in data]
        y = np.array([canonical_label(label) for label in labels], dtype=object)
        _check_training_set(texts, y)
        held = self._holdout_mask(y)
        self.temperature_ = 1.0
        self._fit_linear(_subset(texts, ~held), y[~held])
        self.temperature_ = self._fit_temperature(_subset(texts, held), y[held])
        metrics, confusion = self._holdout_metrics(_subset(texts, held), y[held])
        self._fit_linear(texts, y)
        self.meta_ = self._meta(texts, y, metrics, confusion, int(held.sum()))
        return self

    def _holdout_mask(self, y: np.ndarray) -> np.ndarray:
        rng = np.random.default_rng(self.seed)
        mask = np.zeros(len(y), dtype=bool)
        for label in np.unique(y):
            rows = np.flatnonzero(y == label)
            take = round(len(rows) * self.holdout) if len(rows) > 2 else 0
            mask[rng.choice(rows, size=take, replace=False)] = True
        return mask

    def _counts(self, texts: list[str]) -> sp.csr_matrix:
        """The document-term counts the linear part learns from (one place for fit and score,
        so a variant can add features by overriding this alone)."""
        return hashed_counts(texts, self.max_n, self.n_features)

    def _fit_linear(self, texts: list[str], y: np.ndarray) -> None:
        counts = self._counts(texts)
        doc_freq = np.bincount(counts.indices, minlength=counts.shape[1])
        self.idf_ = (np.log((1 + len(texts)) / (1 + doc_freq)) + 1).astype(np.float32)
        svm = LinearSVC(C=self.c, random_state=self.seed).fit(self._weigh(counts), y)
        self.classes_ = [str(c) for c in svm.classes_]
        coef = np.asarray(svm.coef_, dtype=np.float32)
        intercept = np.asarray(svm.intercept_, dtype=np.float32)
        if len(self.classes_) == 2:  # binary LinearSVC keeps one row: expand to two
            coef = (np.vstack([-coef, coef]) / 2).astype(np.float32)
            intercept = (np.r_[-intercept, intercept] / 2).astype(np.float32)
        self.coef_, self.intercept_ = coef, intercept

    def _fit_temperature(self, texts: list[str], y: np.ndarray) -> float:
        if not texts:
            return 5.0
        margins = self._margins(texts)
        truth = np.array([self.classes_.index(label) for label in y])
        losses = [_nll(_softmax(margins * t), truth) for t in TEMPERATURES]
        return float(TEMPERATURES[int(np.argmin(losses))])

    def _holdout_metrics(
        self, texts: list[str], y: np.ndarray
    ) -> tuple[dict[str, float], dict[str, Any]]:
        if not texts:
            return {}, {}
        predicted = np.array([v.label for v in self._judge(texts)], dtype=object)
        labels = sorted(set(y) | set(predicted))
        normal = y == NORMAL
        metrics = {
            "macro_f1": float(f1_score(y, predicted, labels=sorted(set(y)), average="macro")),
            "normal_false_positive_rate": float(np.mean(predicted[normal] != NORMAL))
            if normal.any()
            else float("nan"),
            "fraud_recall": float(np.mean(predicted[~normal] != NORMAL))
            if (~normal).any()
            else float("nan"),
        }
        matrix = confusion_matrix(y, predicted, labels=labels).tolist()
        return metrics, {"labels": labels, "matrix": matrix}

    def _meta(
        self,
        texts: list[str],
        y: np.ndarray,
        metrics: dict[str, float],
        confusion: dict[str, Any],
        n_held: int,
    ) -> ModelMeta:
        digest = fingerprint(np.array(texts, dtype=object), y)
        notes = {
            "metrics": f"held-out {n_held} texts ({self.holdout:.0%}, stratified)",
            "classes": self.classes_,
            "features": "hashed character n-gram buckets (names are bucket numbers)",
        }
        return self.build_meta(digest, len(texts), metrics, confusion, self._top_buckets(), notes)

    def _top_buckets(self) -> list[tuple[str, float]]:
        if NORMAL not in self.classes_:
            return []
        weight = -self.coef_[self.classes_.index(NORMAL)]
        top = np.argsort(-weight)[:TOP_FEATURES]
        return [(f"bucket {int(i)}", float(weight[i])) for i in top]

    # ------------------------------------------------------------------ scoring
    def _weigh(self, counts: sp.csr_matrix) -> sp.csr_matrix:
        weighted = counts.astype(np.float32)
        weighted.data = 1 + np.log(weighted.data)
        weighted = weighted.multiply(self.idf_[np.newaxis, :]).tocsr()
        norms = np.sqrt(np.asarray(weighted.multiply(weighted).sum(axis=1)).ravel())
        return sp.csr_matrix(sp.diags(1 / np.maximum(norms, 1e-12)) @ weighted)

    def _margins(self, texts: list[str]) -> np.ndarray:
        features = self._weigh(self._counts(texts))
        return np.asarray(features @ self.coef_.T) + self.intercept_

    def probabilities(self, data: Sequence[str]) -> np.ndarray:
        """Linear part only: class probabilities, columns in the order of ``classes_``."""
        self.check_fitted()
        return self._probabilities(data)

    def _probabilities(self, data: Sequence[str]) -> np.ndarray:
        texts = [str(t) for t in data]
        if not texts:
            return np.zeros((0, len(self.classes_)))
        return _softmax(self._margins(texts) * self.temperature_)

    def judge(self, texts: Sequence[str]) -> list[TextVerdict]:
        """One :class:`TextVerdict` per text, in input order (the ``TextScorer`` protocol)."""
        self.check_fitted()
        return self._judge(texts)

    def _judge(self, texts: Sequence[str]) -> list[TextVerdict]:
        probs = self._probabilities(texts)
        lexicon = TypeLexicon(threshold=self.lexicon_threshold)
        verdicts = []
        for text, row in zip(texts, probs, strict=True):
            hit = lexicon.judge(str(text)) if self.use_lexicon else None
            verdicts.append(self._combine(row, hit))
        return verdicts

    def _combine(self, row: np.ndarray, hit: LexiconHit | None) -> TextVerdict:
        normal_at = self.classes_.index(NORMAL) if NORMAL in self.classes_ else -1
        p_fraud = 1.0 - float(row[normal_at]) if normal_at >= 0 else 1.0
        flagged = hit is not None and hit.flagged
        lexicon_score = hit.probability if hit is not None else 0.0
        score = max(p_fraud, lexicon_score)
        if p_fraud >= 0.5:
            fraud_row = row.copy()
            if normal_at >= 0:
                fraud_row[normal_at] = -1.0
            top = int(np.argmax(fraud_row))
            label = self.classes_[top]
            unsure = float(row[top]) < self.override_below * p_fraud
            if (
                unsure
                and hit is not None
                and flagged
                and _lexicon_overrides(hit, label, self.classes_)
            ):
                label = hit.fraud_type
            return TextVerdict(label, score)
        if flagged and hit is not None:
            return TextVerdict(hit.fraud_type, score)
        return TextVerdict(NORMAL, score)

    def score(self, data: Sequence[str]) -> np.ndarray:
        """P(fraud) per text."""
        return np.array([v.fraud_score for v in self.judge(data)], dtype=np.float64)

    def predict(self, data: Sequence[str]) -> list[str]:
        """The label per text: a fraud-type code or ``正常``."""
        return [v.label for v in self.judge(data)]

    # ------------------------------------------------------------------ persistence
    def _dump(self) -> dict[str, bytes]:
        state = {"classes": self.classes_, "temperature": self.temperature_}
        arrays = arrays_to_bytes(coef=self.coef_, intercept=self.intercept_, idf=self.idf_)
        return {"state.json": json.dumps(state, ensure_ascii=False).encode(), "arrays.npz": arrays}

    def _restore(self, parts: dict[str, bytes]) -> None:
        state = json.loads(parts["state.json"])
        self.classes_ = [str(c) for c in state["classes"]]
        self.temperature_ = float(state["temperature"])
        arrays = arrays_from_bytes(parts["arrays.npz"])
        self.coef_, self.intercept_, self.idf_ = arrays["coef"], arrays["intercept"], arrays["idf"]


def _lexicon_overrides(hit: LexiconHit, label: str, classes: list[str]) -> bool:
    """The lexicon names a type unseen in training, with two cues, and none for ``label``."""
    return hit.fraud_type not in classes and hit.topic >= 2 and hit.topic_of(label) == 0


def _check_training_set(texts: list[str], y: np.ndarray) -> None:
    if len(texts) != len(y):
        raise ModelError(f"{len(y)} labels for {len(texts)} texts")
    if len(set(y)) < 2:
        raise ModelError("text training data needs at least two labels")


def _subset(texts: list[str], mask: np.ndarray) -> list[str]:
    return [t for t, keep in zip(texts, mask, strict=True) if keep]


def _softmax(z: np.ndarray) -> np.ndarray:
    shifted = np.exp(z - z.max(axis=1, keepdims=True))
    return np.asarray(shifted / shifted.sum(axis=1, keepdims=True))


def _nll(probs: np.ndarray, truth: np.ndarray) -> float:
    return float(-np.mean(np.log(np.maximum(probs[np.arange(len(truth)), truth], 1e-12))))
