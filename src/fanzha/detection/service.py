"""Detection as a service: run it and hand the warnings to the workflow store.

This is what ``fanzha detect`` and the demo call; it composes the pipeline (detection) with
the intake (workflow) so neither has to know the other's storage.
"""

from __future__ import annotations

from pathlib import Path

from fanzha.detection.keyword_scorer import KeywordScorer
from fanzha.detection.text.base import TextScorer
from fanzha.errors import ConfigError


def load_text_scorer(path: Path | None) -> TextScorer:
    """The trained text model at ``path``, or the keyword scorer when no path is given."""
    if path is None:
        return KeywordScorer()
    try:
        from fanzha.detection.text import load_scorer
    except ImportError as exc:
        raise ConfigError("this installation has no trained text classifier") from exc
    scorer: TextScorer = load_scorer(Path(path))
    return scorer
