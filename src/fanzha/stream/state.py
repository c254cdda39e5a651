"""Per-resident scoring state: the open episode, its decayed score, levels, type and reasons.

It applies :mod:`fanzha.detection.scoring` one signal at a time. With ``h`` the seconds since
the episode began and ``H`` the half-life, the batch's score after signal *i* is
``2**(-h_i/H) * Σ_{j≤i} w_j 2**(h_j/H)``; the state keeps that running sum, so each signal
costs O(1) and the state of a resident is a few numbers plus the kept reasons.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from fanzha.detection.rules.model import Rules
from fanzha.stream.signals import Signal

_EPOCH = dt.datetime(1970, 1, 1)


def epoch_seconds(t: dt.datetime) -> float:
    """``floor(epoch(t))`` of the batch SQL (naive times read as UTC)."""
    return float((t - _EPOCH) // dt.timedelta(seconds=1))


def reason_order(r: dict[str, Any]) -> tuple[Any, ...]:
    """Strongest first, as ``reasons_sql`` ranks (``weight DESC, t, kind, detail``)."""
    return (-r["weight"], r["t"], r["kind"], r["detail"] is None, r["detail"] or "")


@dataclass(slots=True)
class Episode:
    """The open (latest) episode of one resident."""

    number: int
    start_ts: float
    start: dt.datetime
    last_ts: float
    last: dt.datetime
    running: float = 0.0
    floor: int = 0
    level: int = 0
    level_at: dict[int, dt.datetime] = field(default_factory=dict)
    score: float = 0.0
    n_signals: int = 0
    min_phone: int | None = None
    type_weight: dict[str, float] = field(default_factory=dict)
    reasons: list[dict[str, Any]] = field(default_factory=list)


@dataclass(slots=True)
class ResidentState:
    """What the stream keeps of one resident."""

    episodes: int = 0
    episode: Episode | None = None
    recent: list[Signal] = field(default_factory=list)
    fired: set[tuple[Any, ...]] = field(default_factory=set)


class EpisodeScorer:
    """Adds weighted signals to a resident's episodes (the batch's ``scored`` step)."""

    def __init__(self, rules: Rules) -> None:
        s = rules.scoring
        self.gap = s.episode_gap_hours * 3600.0
        self.half_life = s.half_life_hours * 3600.0
        self.thresholds = s.thresholds()
        self.keep = s.reasons_kept

    def add(self, state: ResidentState, signal: Signal) -> list[int] | None:
        """Score one signal: the levels it newly reached, or None when it does not count."""
        floor = signal.level_floor or 0
        if not (signal.weight > 0 or floor > 0):
            return None
        ts = epoch_seconds(signal.t)
        ep = state.episode
        if ep is None or ts - ep.last_ts > self.gap:
            state.episodes += 1
            ep = state.episode = Episode(state.episodes, ts, signal.t, ts, signal.t)
        return self._accumulate(ep, signal, ts, floor)

    def _accumulate(self, ep: Episode, signal: Signal, ts: float, floor: int) -> list[int]:
        h = (ts - ep.start_ts) / self.half_life
        ep.running += signal.weight * pow(2.0, h)
        score = pow(2.0, -h) * ep.running
        ep.floor = max(ep.floor, floor)
        level = max(self._level(score), ep.floor)
        reached = [n for n in range(1, level + 1) if n not in ep.level_at]
        for n in reached:
            ep.level_at[n] = signal.t
        ep.level = max(ep.level, level)
        ep.score = max(ep.score, score)
        ep.n_signals += 1
        ep.last_ts, ep.last = max(ep.last_ts, ts), max(ep.last, signal.t)
        if signal.phone is not None and (ep.min_phone is None or signal.phone < ep.min_phone):
            ep.min_phone = signal.phone
        if signal.fraud_type is not None:
            ep.type_weight[signal.fraud_type] = (
                ep.type_weight.get(signal.fraud_type, 0.0) + signal.weight
            )
        self._keep_reason(ep, signal, score, level)
        return reached

    def _level(self, score: float) -> int:
        for level, threshold in self.thresholds:
            if score >= threshold:
                return level
        return 0

    def _keep_reason(self, ep: Episode, signal: Signal, score: float, level: int) -> None:
        reason = {**signal._asdict(), "score": score, "level": level}
        ep.reasons.append(reason)
        if len(ep.reasons) > self.keep:
            ep.reasons.sort(key=reason_order)
            del ep.reasons[self.keep :]


def fraud_type_of(ep: Episode) -> str:
    """The type with the most signal weight (ties: the first by name), else ``other``."""
    if not ep.type_weight:
        return "other"
    return min(ep.type_weight.items(), key=lambda kv: (-kv[1], kv[0]))[0]
