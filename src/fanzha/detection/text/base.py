"""The interface detection uses to judge texts (SMS, chat, lead narratives)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class TextVerdict:
    """What a scorer says of one text: a fraud-type code (or ``正常``) and P(fraud)."""

    label: str
    fraud_score: float


@runtime_checkable
class TextScorer(Protocol):
    """Anything that judges a batch of texts, in input order."""

    @property
    def version(self) -> str:
        """The model or lexicon version recorded with every verdict."""
        ...

    def judge(self, texts: Sequence[str]) -> list[TextVerdict]:
        """One verdict per text, in the same order."""
        ...
