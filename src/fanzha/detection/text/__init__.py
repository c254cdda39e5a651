"""Scam-text scoring: the pluggable interface and its implementations.

Detection loads a trained classifier with :func:`load_scorer` and calls
``scorer.judge(texts)`` (see :class:`~fanzha.detection.text.base.TextScorer`).
"""

from __future__ import annotations

from pathlib import Path

from fanzha.detection.text.base import TextScorer, TextVerdict

__all__ = ["TextScorer", "TextVerdict", "load_scorer"]


def load_scorer(path: Path | str) -> TextScorer:
    """The scam-text classifier saved at ``path`` (written by ``fanzha text train``)."""
    from fanzha.detection.text.classifier import ScamTextClassifier

    return ScamTextClassifier.load(path)
