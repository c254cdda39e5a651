"""A compact set of keys with the day each was last seen: 64-bit digests in sorted arrays.

The payees each account has paid are 99 % of the stream's first-of-a-kind history; kept as
a ``dict`` of ``(payer, payee)`` string tuples they cost ~180 B a key, which for a city over
a 90-day horizon is gigabytes. Here a key is its 8-byte BLAKE2b digest; the keys are held in
a sorted ``uint64`` array with an ``int32`` array of day ordinals beside it (12 B a key), and
the keys touched since the last merge in a small ``dict`` that is merged in when it holds a
sixteenth of the keys (at least ``merge_at``) or when old keys are forgotten.

Two different keys with the same digest would be taken for one (a new payee not seen as
new): with n keys the chance that any two collide is about n² / 2⁶⁵ — 5·10⁻⁵ for 44 M keys.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Hashable, Iterator
from typing import Any

import numpy as np
import numpy.typing as npt

MERGE_AT = 4_096


def digest(key: tuple[str | None, ...]) -> int:
    """The 64-bit digest of a key of strings (length-prefixed: ``None``, ``""`` and any
    split of the same characters into parts all differ)."""
    text = "".join("N" if part is None else f"S{len(part)}:{part}" for part in key)
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


class DayKeys:
    """Keys (tuples of strings) with the day each was last seen."""

    def __init__(self, merge_at: int = MERGE_AT) -> None:
        self.merge_at = merge_at
        self._keys: npt.NDArray[np.uint64] = np.zeros(0, dtype=np.uint64)
        self._days: npt.NDArray[np.int32] = np.zeros(0, dtype=np.int32)
        self._recent: dict[int, int] = {}

    @classmethod
    def from_days(cls, days: dict[Any, dt.date]) -> DayKeys:
        """Keys from a ``{key: day}`` dict (the older form of the history)."""
        held = cls()
        for key, day in days.items():
            held._recent[digest(key)] = day.toordinal()
        held._merge()
        return held

    def first(self, key: tuple[str | None, ...], today: dt.date) -> bool:
        """Record ``key`` as seen ``today``; True when it was not known."""
        h = digest(key)
        known = h in self._recent or self._in_arrays(h)
        self._recent[h] = today.toordinal()
        # merge when the dict holds 1/16 of the keys (at least ``merge_at``): the dict's
        # ~100 B a key stay a small share, and each merge is one linear pass (two sorted runs)
        if len(self._recent) >= max(self.merge_at, len(self._keys) >> 4):
            self._merge()
        return not known

    def __contains__(self, key: Hashable) -> bool:
        if not isinstance(key, tuple):
            return False
        h = digest(key)
        return h in self._recent or self._in_arrays(h)

    def last_seen(self, key: tuple[str | None, ...]) -> dt.date | None:
        """The day ``key`` was last seen, if it is held."""
        h = digest(key)
        if h in self._recent:
            return dt.date.fromordinal(self._recent[h])
        i = int(self._keys.searchsorted(np.uint64(h)))
        if i < len(self._keys) and int(self._keys[i]) == h:
            return dt.date.fromordinal(int(self._days[i]))
        return None

    def __len__(self) -> int:
        self._merge()
        return len(self._keys)

    def forget_before(self, cutoff: dt.date) -> int:
        """Drop the keys last seen before ``cutoff``; how many were dropped."""
        self._merge()
        keep = self._days >= cutoff.toordinal()
        dropped = int(len(keep) - np.count_nonzero(keep))
        if dropped:
            self._keys, self._days = self._keys[keep], self._days[keep]
        return dropped

    def nbytes(self) -> int:
        """Bytes of the two arrays (the recent keys' dict not counted)."""
        return int(self._keys.nbytes + self._days.nbytes)

    def _in_arrays(self, h: int) -> bool:
        i = int(self._keys.searchsorted(np.uint64(h)))
        return i < len(self._keys) and int(self._keys[i]) == h

    def _merge(self) -> None:
        if not self._recent:
            return
        recent_keys = np.fromiter(self._recent.keys(), dtype=np.uint64, count=len(self._recent))
        recent_days = np.fromiter(self._recent.values(), dtype=np.int32, count=len(self._recent))
        first = np.argsort(recent_keys)  # distinct keys: any sort; then two sorted runs
        recent_keys, recent_days = recent_keys[first], recent_days[first]
        keys = np.concatenate([self._keys, recent_keys])
        days = np.concatenate([self._days, recent_days])
        order = np.argsort(keys, kind="stable")  # the recent entry of a key comes last
        keys, days = keys[order], days[order]
        last = np.append(keys[1:] != keys[:-1], True)
        self._keys, self._days = keys[last], days[last]
        self._recent = {}

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, DayKeys):
            return NotImplemented
        self._merge()
        other._merge()
        return bool(
            np.array_equal(self._keys, other._keys) and np.array_equal(self._days, other._days)
        )

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __getstate__(self) -> dict[str, Any]:
        self._merge()
        return {"merge_at": self.merge_at, "keys": self._keys, "days": self._days}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.merge_at = state["merge_at"]
        self._keys, self._days, self._recent = state["keys"], state["days"], {}

    def __iter__(self) -> Iterator[int]:
        """The digests held (the keys themselves are not kept)."""
        self._merge()
        return iter(int(k) for k in self._keys)
