"""Scam-text scoring: the pluggable interface and its implementations.

Detection loads a trained classifier with :func:`load_scorer` and calls
``scorer.judge(texts)`` (see :class:`~fanzha.detection.text.base.TextScorer`). A model file
holds either the one-stage char-n-gram classifier or the two-stage cascade (char n-grams,
then a sentence encoder for the texts the first stage is unsure about); the file's kind
decides which is loaded.
"""

from __future__ import annotations

from pathlib import Path

from fanzha.detection.text.base import TextScorer, TextVerdict

__all__ = ["TextScorer", "TextVerdict", "load_scorer"]


def load_scorer(path: Path | str) -> TextScorer:
    """The scam-text model saved at ``path`` (written by ``fanzha text train``)."""
    from fanzha.detection.estimator import read_model_file
    from fanzha.detection.text.cascade import CascadeTextClassifier
    from fanzha.detection.text.classifier import ScamTextClassifier

    meta, _ = read_model_file(path)
    if meta.kind == CascadeTextClassifier.kind:
        return CascadeTextClassifier.load(path)
    return ScamTextClassifier.load(path)
