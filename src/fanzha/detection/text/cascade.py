"""The two-stage scam-text model: char n-grams first, the sentence encoder for unsure texts.

- **Stage 1** is :class:`~fanzha.detection.text.classifier.ScamTextClassifier` (hashed char
  n-grams, linear SVM, calibrated softmax, lexicon), trained on the data *plus* the intent
  augmentation (:mod:`.augment`, labelled ``other``), so that scam mechanics it has not seen
  in a data-set class still raise its P(fraud) a little.
- **Routing**: a text whose stage-1 linear P(fraud) lies in ``[band_low, band_high)`` is
  *unsure* and goes to stage 2; below the band it keeps stage 1's verdict (normal unless the
  lexicon flags it), at or above the band it is fraud. The band is in calibrated probability,
  so its width sets the share of traffic that pays for the encoder (measured in the card).
- **Stage 2** embeds the text (:class:`~fanzha.detection.text.semantic.SentenceEncoder`);
  P(fraud) = (1 − ``knn_weight``) × a logistic head trained on the embeddings of the data and
  the augmentation + ``knn_weight`` × the fraud share of the text's ``knn_k`` nearest
  training embeddings (:class:`~fanzha.detection.text.semantic.NeighbourVote`, the same
  training set; cosine); fraud when it reaches ``semantic_threshold`` (or the lexicon flags
  the text). ``knn_weight`` = 0 is the logistic head alone (and what a model file without a
  neighbour memory, written before the blend, restores to).

The fraud type of a fraud verdict is stage 1's best data-set type when that type holds at
least half of stage 1's fraud probability, else the lexicon's type when it has a topic cue,
else ``other``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any, Self

import numpy as np

from fanzha.core.fraud_types import NORMAL
from fanzha.detection.estimator import (
    Estimator,
    ModelMeta,
    arrays_from_bytes,
    arrays_to_bytes,
    fingerprint,
)
from fanzha.detection.text.augment import AUGMENT_LABEL, augment
from fanzha.detection.text.base import TextVerdict
from fanzha.detection.text.classifier import ScamTextClassifier, canonical_label
from fanzha.detection.text.lexicon import TypeLexicon
from fanzha.detection.text.metrics import holdout_mask, verdict_metrics
from fanzha.detection.text.semantic import (
    EMBEDDING_DIM,
    LogisticHead,
    NeighbourVote,
    SentenceEncoder,
    encoder_info,
    head_input,
)

FIRST = "first/"


class CascadeTextClassifier(Estimator[Sequence[str]]):
    """Chinese text → fraud type code or ``正常`` with P(fraud), in two stages."""

    kind = "scam_text_cascade"

    def __init__(
        self,
        band_low: float = 0.02,
        band_high: float = 0.5,
        semantic_threshold: float = 0.5,
        augment_scale: float = 0.3,
        head_c: float = 4.0,
        knn_k: int = 50,
        knn_weight: float = 0.5,
        max_chars: int = 128,
        n_features: int = 2**18,
        holdout: float = 0.1,
        seed: int = 0,
    ) -> None:
        self.band_low = band_low
        self.band_high = band_high
        self.semantic_threshold = semantic_threshold
        self.augment_scale = augment_scale
        self.head_c = head_c
        self.knn_k = knn_k
        self.knn_weight = knn_weight
        self.max_chars = max_chars
        self.n_features = n_features
        self.holdout = holdout
        self.seed = seed

    # ------------------------------------------------------------------ training
    def fit(self, data: Sequence[str], labels: Any) -> Self:
        """Learn both stages; the card's metrics come from a stratified held-out slice."""
        texts = [str(t) for t in data]
        y = [canonical_label(label) for label in labels]
        extra, extra_y = augment(texts, y, self.augment_scale, self.seed)
        encoder = SentenceEncoder(self.max_chars)
        vectors = encoder.encode(texts + extra)
        held = holdout_mask(np.array(y, dtype=object), self.holdout, self.seed)
        metrics, confusion = self._held_out_metrics(texts, y, extra, extra_y, vectors, held)
        self._fit_stages(texts, y, extra, extra_y, vectors, np.ones(len(texts), dtype=bool))
        self.meta_ = self._meta(texts, y, len(extra), metrics, confusion, int(held.sum()))
        return self

    def _fit_stages(
        self,
        texts: list[str],
        y: list[str],
        extra: list[str],
        extra_y: list[str],
        vectors: np.ndarray,
        keep: np.ndarray,
    ) -> None:
        kept = [t for t, k in zip(texts, keep, strict=True) if k]
        kept_y = [label for label, k in zip(y, keep, strict=True) if k]
        self.first_ = ScamTextClassifier(n_features=self.n_features, seed=self.seed)
        self.first_.fit(kept + extra, kept_y + extra_y)
        rows = np.r_[np.flatnonzero(keep), len(texts) + np.arange(len(extra))]
        fraud = np.array([label != NORMAL for label in kept_y + extra_y], dtype=np.int64)
        inputs = head_input([(texts + extra)[i] for i in rows], vectors[rows])
        self.head_ = LogisticHead.fit(inputs, fraud, self.head_c, self.seed)
        self.neighbours_: NeighbourVote | None = (
            NeighbourVote(vectors[rows], fraud, self.knn_k) if self.knn_weight > 0 else None
        )

    def _held_out_metrics(
        self,
        texts: list[str],
        y: list[str],
        extra: list[str],
        extra_y: list[str],
        vectors: np.ndarray,
        held: np.ndarray,
    ) -> tuple[dict[str, float], dict[str, Any]]:
        if not held.any():
            return {}, {}
        self._fit_stages(texts, y, extra, extra_y, vectors, ~held)
        slice_texts = [t for t, h in zip(texts, held, strict=True) if h]
        verdicts, routed = self._judge(slice_texts, vectors[np.flatnonzero(held)])
        truth = [label for label, h in zip(y, held, strict=True) if h]
        metrics, confusion = verdict_metrics(truth, [v.label for v in verdicts])
        metrics["routed_share"] = float(np.mean(routed))
        return metrics, confusion

    def _meta(
        self,
        texts: list[str],
        y: list[str],
        n_extra: int,
        metrics: dict[str, float],
        confusion: dict[str, Any],
        n_held: int,
    ) -> ModelMeta:
        digest = fingerprint(np.array(texts, dtype=object), np.array(y, dtype=object))
        info = encoder_info()
        notes = {
            "metrics": f"held-out {n_held} texts ({self.holdout:.0%}, stratified); both stages "
            "refitted on everything afterwards",
            "encoder": f"{info.name} ({info.package} {info.package_version}, {info.dim}-d)",
            "augmentation": f"{n_extra} generated texts (intent compositions, cross-type "
            "recombinations, hard normals; see fanzha.detection.text.augment)",
            "stage 1": self.first_.meta_.version,
            "classes": self.first_.classes_,
            "features": "semantic head weights over embedding dimensions",
            "stage 2": f"(1 - {self.knn_weight}) x logistic head + {self.knn_weight} x fraud "
            f"share of the {self.knn_k} nearest training embeddings; fraud at "
            f">= {self.semantic_threshold}",
        }
        names = [f"embedding dim {i}" for i in range(EMBEDDING_DIM)] + [
            "mechanics cues",
            "link/app",
        ]
        top = np.argsort(-np.abs(self.head_.weights))[:15]
        features = [(names[int(i)], float(self.head_.weights[i])) for i in top]
        return self.build_meta(digest, len(texts), metrics, confusion, features, notes)

    # ------------------------------------------------------------------ scoring
    def judge(self, texts: Sequence[str]) -> list[TextVerdict]:
        """One :class:`TextVerdict` per text, in input order (the ``TextScorer`` protocol)."""
        self.check_fitted()
        return self._judge([str(t) for t in texts])[0]

    def route(self, texts: Sequence[str]) -> np.ndarray:
        """Which texts stage 1 is unsure about (they go to the encoder)."""
        self.check_fitted()
        p_fraud = self._stage1_fraud(self.first_.probabilities([str(t) for t in texts]))
        return np.asarray((p_fraud >= self.band_low) & (p_fraud < self.band_high))

    def _judge(
        self, texts: list[str], vectors: np.ndarray | None = None
    ) -> tuple[list[TextVerdict], np.ndarray]:
        probs = self.first_.probabilities(texts)
        p_fraud = self._stage1_fraud(probs)
        routed = (p_fraud >= self.band_low) & (p_fraud < self.band_high)
        semantic = np.zeros(len(texts))
        if routed.any():
            rows = np.flatnonzero(routed)
            if vectors is None:
                encoded = SentenceEncoder(self.max_chars).encode([texts[i] for i in rows])
            else:
                encoded = vectors[rows]
            semantic[rows] = self._semantic([texts[i] for i in rows], encoded)
        lexicon = TypeLexicon(threshold=self.first_.lexicon_threshold)
        verdicts = []
        for i, text in enumerate(texts):
            hit = lexicon.judge(text)
            flagged = hit.flagged
            score = float(semantic[i]) if routed[i] else float(p_fraud[i])
            if routed[i]:
                fraud = semantic[i] >= self.semantic_threshold
            else:
                fraud = p_fraud[i] >= self.band_high
            if flagged:
                fraud, score = True, max(score, hit.probability)
            label = self._fraud_type(probs[i], hit.fraud_type) if fraud else NORMAL
            verdicts.append(TextVerdict(label, min(max(score, 0.0), 1.0)))
        return verdicts, routed

    def _semantic(self, texts: list[str], vectors: np.ndarray) -> np.ndarray:
        """Stage 2's P(fraud): the logistic head, blended with the neighbour vote if stored."""
        p = self.head_.probability(head_input(texts, vectors))
        if self.neighbours_ is None or self.knn_weight <= 0:
            return p
        vote = self.neighbours_.probability(vectors)
        return np.asarray((1.0 - self.knn_weight) * p + self.knn_weight * vote)

    def _stage1_fraud(self, probs: np.ndarray) -> np.ndarray:
        classes = self.first_.classes_
        if NORMAL not in classes:
            return np.ones(len(probs))
        return np.asarray(1.0 - probs[:, classes.index(NORMAL)])

    def _fraud_type(self, row: np.ndarray, lexicon_type: str) -> str:
        classes = self.first_.classes_
        known = [i for i, c in enumerate(classes) if c not in (NORMAL, AUGMENT_LABEL)]
        fraud_mass = sum(float(row[i]) for i, c in enumerate(classes) if c != NORMAL)
        if known:
            best = max(known, key=lambda i: float(row[i]))
            if fraud_mass > 0 and float(row[best]) >= 0.5 * fraud_mass:
                return classes[best]
        return lexicon_type or AUGMENT_LABEL

    def score(self, data: Sequence[str]) -> np.ndarray:
        """P(fraud) per text."""
        return np.array([v.fraud_score for v in self.judge(data)], dtype=np.float64)

    def predict(self, data: Sequence[str]) -> list[str]:
        """The label per text: a fraud-type code or ``正常``."""
        return [v.label for v in self.judge(data)]

    # ------------------------------------------------------------------ persistence
    def _dump(self) -> dict[str, bytes]:
        parts = {FIRST + name: payload for name, payload in self.first_._dump().items()}
        parts[FIRST + "meta.json"] = json.dumps(
            asdict(self.first_.meta_), ensure_ascii=False
        ).encode()
        parts["head.npz"] = arrays_to_bytes(
            weights=self.head_.weights, bias=np.array([self.head_.bias], dtype=np.float64)
        )
        if self.neighbours_ is not None:
            parts["neighbours.npz"] = arrays_to_bytes(
                vectors=self.neighbours_.vectors, fraud=self.neighbours_.fraud
            )
        return parts

    def _restore(self, parts: dict[str, bytes]) -> None:
        first_meta = ModelMeta.from_dict(json.loads(parts[FIRST + "meta.json"]))
        self.first_ = ScamTextClassifier(**first_meta.params)
        self.first_.meta_ = first_meta
        self.first_._restore({k[len(FIRST) :]: v for k, v in parts.items() if k.startswith(FIRST)})
        head = arrays_from_bytes(parts["head.npz"])
        self.head_ = LogisticHead(head["weights"], float(head["bias"][0]))
        self.neighbours_ = None  # files written before the blend: the head alone
        if "neighbours.npz" in parts:
            memory = arrays_from_bytes(parts["neighbours.npz"])
            self.neighbours_ = NeighbourVote(memory["vectors"], memory["fraud"], self.knn_k)
