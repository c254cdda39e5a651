"""Checkpoints: the moments at which a warning's victim risk is judged.

Detection sees a warning's signals one by one. A checkpoint is a warning *as of* one of those
moments: the first one is when the warning was issued, later ones each time a new signal
arrived (what a detection run at that time would have known). Live tiering uses one
checkpoint per warning, at its latest signal; backtests use all of them, so that a tier is
never decided on events that had not happened yet.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import pandas as pd

from fanzha.core.warning_record import Reason, ReasonLike, parse_reasons

CHECKPOINT_COLUMNS = (
    "key",
    "warning",
    "resident_id",
    "phone",
    "start",
    "as_of",
    "fraud_type",
    "level",
    "score",
    "n_signals",
    "kinds",
    "counterparts",
)


class _WarningLike(Protocol):
    """What a detected or a stored warning both have."""

    @property
    def resident_id(self) -> str: ...
    @property
    def phone(self) -> int | None: ...
    @property
    def episode_start(self) -> dt.datetime: ...
    @property
    def warned_at(self) -> dt.datetime: ...
    @property
    def last_signal_at(self) -> dt.datetime: ...
    @property
    def fraud_type(self) -> str: ...
    @property
    def level(self) -> int: ...
    @property
    def score(self) -> float: ...


@dataclass(frozen=True)
class WarningSnapshot:
    """What the victim model needs of a warning (detected or stored)."""

    warning: str
    resident_id: str
    phone: int | None
    episode_start: dt.datetime
    warned_at: dt.datetime
    last_signal_at: dt.datetime
    fraud_type: str
    level: int
    score: float
    reasons: Sequence[ReasonLike] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        object.__setattr__(self, "reasons", parse_reasons(self.reasons))

    @classmethod
    def of(cls, key: str, w: _WarningLike, reasons: Sequence[ReasonLike] | None) -> WarningSnapshot:
        """The snapshot of a detected or a stored warning, under ``key``."""
        return cls(
            key,
            w.resident_id,
            w.phone,
            w.episode_start,
            w.warned_at,
            w.last_signal_at,
            w.fraud_type,
            w.level,
            w.score,
            reasons or [],
        )

    @property
    def typed_reasons(self) -> list[Reason]:
        """The reasons as typed records (stored and hand-built forms are parsed on entry)."""
        return [r for r in self.reasons if isinstance(r, Reason)]


def _time(value: Any) -> dt.datetime:
    return value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))


def _row(w: WarningSnapshot, as_of: dt.datetime, key: int) -> dict[str, Any]:
    seen = [r for r in w.typed_reasons if r.time <= as_of]
    level = max([int(r.level_after or 0) for r in seen], default=w.level)
    score = max([float(r.score_after or 0.0) for r in seen], default=w.score)
    counterparts = sorted({int(r.counterpart) for r in seen if r.counterpart})
    return {
        "key": key,
        "warning": w.warning,
        "resident_id": w.resident_id,
        "phone": w.phone,
        "start": w.episode_start,
        "as_of": as_of,
        "fraud_type": w.fraud_type,
        "level": level,
        "score": score,
        "n_signals": len(seen),
        "kinds": sorted({r.kind for r in seen}),
        "counterparts": counterparts,
    }


def checkpoint_frame(warnings: Iterable[WarningSnapshot], *, every_signal: bool) -> pd.DataFrame:
    """One row per checkpoint: the warning's latest one, or (``every_signal``) all of them."""
    rows: list[dict[str, Any]] = []
    for w in warnings:
        if every_signal:
            times = {w.warned_at} | {
                t for t in (r.time for r in w.typed_reasons) if t > w.warned_at
            }
        else:
            times = {max(w.last_signal_at, w.warned_at)}
        for as_of in sorted(times):
            rows.append(_row(w, as_of, len(rows)))
    return pd.DataFrame(rows, columns=list(CHECKPOINT_COLUMNS))
