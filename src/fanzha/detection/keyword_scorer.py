"""The default text scorer when no trained model is given: the fraud-type lexicon alone.

It wraps :class:`fanzha.detection.text.lexicon.TypeLexicon` (topic and mechanics cues for all
ten fraud types, written from ``domain.md``): transparent, needs no training data, and covers
the types public data sets lack. The trained classifier (``fanzha text train``) combines the
same lexicon with a learned model and replaces this scorer where a model file is available.
"""

from __future__ import annotations

from collections.abc import Sequence

from fanzha.core.fraud_types import NORMAL
from fanzha.detection.text.base import TextVerdict
from fanzha.detection.text.lexicon import TypeLexicon


class KeywordScorer:
    """Judges texts with the type lexicon; ``正常`` (score 0) unless the lexicon flags them."""

    version = "lexicon-2"  # 2: lure cues (bait + link or call to action), 2026-12-07

    def __init__(self, lexicon: TypeLexicon | None = None) -> None:
        self.lexicon = lexicon or TypeLexicon()

    def judge(self, texts: Sequence[str]) -> list[TextVerdict]:
        """One verdict per text, in input order."""
        verdicts = []
        for content in texts:
            hit = self.lexicon.judge(content or "")
            if hit.flagged:
                verdicts.append(TextVerdict(hit.fraud_type, hit.probability))
            else:
                verdicts.append(TextVerdict(NORMAL, 0.0))
        return verdicts
