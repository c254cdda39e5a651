"""Incremental scoring: events in, the warnings they create or raise out.

``StreamScorer.feed`` takes a micro-batch of stored-form events, orders it in event time,
derives each event's signals (:mod:`fanzha.stream.signals`), resolves them to residents and
drops the matches of doubtful blacklist entries (as ``raw_signals``/``clean_signals``),
expands combinations and scores episodes. It returns a :class:`DetectedWarning` for every
warned episode the batch touched — the same objects ``fanzha detect`` hands to ``take_in``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from fanzha.core.warning_record import LevelStep
from fanzha.detection.pipeline import DetectedWarning, reason_from_row
from fanzha.detection.rules.model import Rules
from fanzha.detection.text.base import TextScorer
from fanzha.stream.combos import ComboMatcher
from fanzha.stream.events import Event, order_key
from fanzha.stream.lookups import Lookups
from fanzha.stream.seen import HISTORY_DAYS, SeenState
from fanzha.stream.signals import Signal, SignalDeriver
from fanzha.stream.state import EpisodeScorer, ResidentState, fraud_type_of, reason_order
from fanzha.stream.texts import TextJudge


class LevelRaise(NamedTuple):
    """An event (stream offset) took a resident's episode to a level for the first time."""

    resident_id: str
    episode_start: dt.datetime
    level: int
    offset: str | None
    reached_at: dt.datetime


@dataclass
class StreamState:
    """Everything the stream must keep across restarts (pickled into the checkpoint)."""

    seen: SeenState = field(default_factory=SeenState)
    residents: dict[str, ResidentState] = field(default_factory=dict)
    events: int = 0


class StreamScorer:
    """The batch rules, applied one micro-batch at a time.

    ``history_days``: the first-of-a-kind history forgets keys not seen for this many days
    of event time (``FANZHA_STREAM_HISTORY_DAYS``).
    """

    def __init__(
        self,
        rules: Rules,
        lookups: Lookups,
        scorer: TextScorer,
        state: StreamState | None = None,
        *,
        history_days: int = HISTORY_DAYS,
    ) -> None:
        self.rules = rules
        self.lookups = lookups
        self.state = state or StreamState()
        self.deriver = SignalDeriver(
            rules, lookups, TextJudge(scorer), self.state.seen, history_days=history_days
        )
        self.combos = ComboMatcher(rules)
        self.episodes = EpisodeScorer(rules)
        self.episode_gap = dt.timedelta(hours=rules.scoring.episode_gap_hours)
        self.trace: list[tuple[str, Signal]] | None = None  # every resolved signal, for tests
        self.raised: list[LevelRaise] = []  # levels first reached by the last ``feed``

    def restore(self, state: StreamState) -> None:
        """Continue from a checkpointed state."""
        self.state = state
        self.deriver.seen = state.seen

    def use_lookups(self, lookups: Lookups) -> None:
        """Score from now on with other lookups (only between micro-batches)."""
        self.lookups = lookups
        self.deriver.use_lookups(lookups)

    def feed(self, events: Iterable[Event]) -> list[DetectedWarning]:
        """Score a micro-batch; the warned episodes it changed, as detection reports them."""
        touched: set[str] = set()
        self.raised = []
        for event in sorted(events, key=order_key):
            self.state.events += 1
            for signal in self.deriver.derive(event):
                resident = self._resident(signal)
                kept = resident is not None and not self._doubtful(signal)
                if kept and self._score(str(resident), signal, event.get("offset")):
                    touched.add(str(resident))
        return [w for w in (self._warning(r) for r in sorted(touched)) if w is not None]

    def _resident(self, s: Signal) -> str | None:
        return resident_of(self.lookups, s.phone, s.id_hash, upstream=s.kind == "upstream_lead")

    def _doubtful(self, s: Signal) -> bool:
        return s.indicator is not None and (s.kind, s.indicator) in self.lookups.doubtful

    def _score(self, resident: str, signal: Signal, offset: str | None) -> bool:
        state = self.state.residents.get(resident)
        if state is None:
            state = self.state.residents[resident] = ResidentState()
        counted = False
        for s in self.combos.expand(state, signal):
            if self.trace is not None:
                self.trace.append((resident, s))
            reached = self.episodes.add(state, s)
            if reached is None:
                continue
            counted = True
            ep = state.episode
            assert ep is not None
            for level in reached:
                self.raised.append(LevelRaise(resident, ep.start, level, offset, s.t))
        return counted

    def _warning(self, resident: str) -> DetectedWarning | None:
        ep = self.state.residents[resident].episode
        if ep is None or ep.level < 1:
            return None
        phone, community = self.lookups.homes.get(resident, (None, None))
        history = [LevelStep(level=n, at=ep.level_at[n]) for n in sorted(ep.level_at)]
        kept = sorted(sorted(ep.reasons, key=reason_order)[: self.episodes.keep], key=_shown_order)
        return DetectedWarning(
            resident_id=resident,
            episode_start=ep.start,
            warned_at=ep.level_at[1],
            last_signal_at=ep.last,
            level=ep.level,
            level_history=history,
            fraud_type=fraud_type_of(ep),
            score=round(ep.score, 4),
            n_signals=ep.n_signals,
            phone=phone if phone is not None else ep.min_phone,
            community=community,
            station=self.lookups.stations.get(community) if community is not None else None,
            reasons=[reason_from_row(r) for r in kept],
        )

    def episode_of(self, resident: str) -> int:
        """The number of the resident's latest episode (1 = first; 0 = none yet)."""
        state = self.state.residents.get(resident)
        return state.episodes if state is not None else 0


def resident_of(
    lookups: Lookups, phone: int | None, id_hash: str | None, *, upstream: bool
) -> str | None:
    """The resident a signal (or an event's phone / ID) belongs to, as the batch resolves it.

    An upstream lead about nobody in the registry still gets a resident: its ID hash, else
    ``N`` and the phone key.
    """
    found = lookups.resident_of_phone.get(phone) if phone is not None else None
    if found is not None:
        return found
    if id_hash is not None and id_hash in lookups.resident_ids:
        return id_hash
    if upstream:
        if id_hash is not None:
            return id_hash
        return None if phone is None else f"N{phone}"
    return None


def _shown_order(r: dict[str, Any]) -> tuple[Any, ...]:
    return (r["t"], r["kind"], r["detail"] is None, r["detail"] or "")
