"""Combinations (``[[combos]]`` of the rules) applied as signals arrive.

The batch's ``combo_<id>`` step joins each ``then`` signal ``b`` with the ``after`` signals
``a`` of the same resident where ``b.t - within <= a.t <= b.t`` and ``a.weight >=
min_after_weight``; the latest ``a`` gives type, counterpart and kind. Here the resident's
recent signals play the table's part; an ``after`` signal that arrives later within the same
second still pairs with a ``then`` already seen, as it would in the batch.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fanzha.detection.rules.model import Combo, Rules
from fanzha.stream.signals import Signal
from fanzha.stream.state import ResidentState


class ComboMatcher:
    """Emits the combination signals of newly arrived signals."""

    def __init__(self, rules: Rules) -> None:
        self.combos = rules.combos
        self.after = {c.id: frozenset(rules.expand_after(c)) for c in rules.combos}
        self.windows = {c.id: dt.timedelta(minutes=c.within_minutes) for c in rules.combos}
        self.horizon = max(self.windows.values(), default=dt.timedelta(0))
        # a combination reads the base signals and the combinations before it, not its own
        # or later ones (the batch's sources grow one combination at a time)
        combos = rules.combos
        self._later = {c.id: frozenset(x.id for x in combos[i:]) for i, c in enumerate(combos)}

    def expand(self, state: ResidentState, arrived: Signal) -> list[Signal]:
        """``arrived`` and every combination signal it completes, in combination order."""
        emitted = [arrived]
        self._prune(state, arrived.t)
        state.recent.append(arrived)
        for combo in self.combos:
            for signal in list(emitted):
                emitted.extend(self._fire(state, combo, signal))
        return emitted

    def _fire(self, state: ResidentState, combo: Combo, signal: Signal) -> list[Signal]:
        found: list[Signal] = []
        if signal.kind == combo.then:
            made = self._combine(state, combo, signal)
            if made is not None:
                found.append(made)
        if signal.kind in self.after[combo.id] and signal.weight >= combo.min_after_weight:
            for b in list(state.recent):
                if b.kind == combo.then and b.t == signal.t and b is not signal:
                    made = self._combine(state, combo, b)
                    if made is not None:
                        found.append(made)
        for made in found:
            state.recent.append(made)
        return found

    def _combine(self, state: ResidentState, combo: Combo, b: Signal) -> Signal | None:
        group: tuple[Any, ...] = (combo.id, b.phone, b.id_hash, b.t, b.detail, b.source)
        if group in state.fired:
            return None
        start = b.t - self.windows[combo.id]
        later = self._later[combo.id]
        latest: Signal | None = None
        for a in state.recent:
            if a.kind in later or a.kind not in self.after[combo.id]:
                continue
            in_window = a.weight >= combo.min_after_weight and start <= a.t <= b.t
            if in_window and (latest is None or a.t >= latest.t):
                latest = a
        if latest is None:
            return None
        state.fired.add(group)
        detail = None if b.detail is None else f"{b.detail}; after {latest.kind}"
        return Signal(
            b.phone, b.id_hash, b.t, combo.id, float(combo.weight), combo.level_floor,
            latest.fraud_type, latest.counterpart, detail, b.source, latest.indicator,
        )  # fmt: skip

    def _prune(self, state: ResidentState, now: dt.datetime) -> None:
        oldest = now - self.horizon
        if state.recent and state.recent[0].t < oldest:
            state.recent = [s for s in state.recent if s.t >= oldest]
            state.fired = {g for g in state.fired if g[3] >= oldest}
