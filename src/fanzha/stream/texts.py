"""Text verdicts for streamed SMS and lead narratives, judged once per distinct text."""

from __future__ import annotations

from collections import OrderedDict

from fanzha.detection.text.base import TextScorer, TextVerdict


class TextJudge:
    """The batch's text scorer behind a bounded cache (texts of a campaign repeat)."""

    def __init__(self, scorer: TextScorer, capacity: int = 50_000) -> None:
        self.scorer = scorer
        self.capacity = capacity
        self._cache: OrderedDict[str, TextVerdict] = OrderedDict()

    def verdict(self, content: str | None) -> TextVerdict | None:
        """The verdict on ``content``; None for an empty text (the batch judges none)."""
        if not content:
            return None
        found = self._cache.get(content)
        if found is not None:
            self._cache.move_to_end(content)
            return found
        found = self.scorer.judge([content])[0]
        self._cache[content] = found
        if len(self._cache) > self.capacity:
            self._cache.popitem(last=False)
        return found

    def __getstate__(self) -> dict[str, object]:
        """Pickled without the cache (it is rebuilt on demand)."""
        return {"scorer": self.scorer, "capacity": self.capacity}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self._cache = OrderedDict()
