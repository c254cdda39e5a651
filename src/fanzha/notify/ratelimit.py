"""Token buckets: one per channel (messages a second) and one per key (a robot's 20 a minute).

The dispatcher asks how many sends it may start now (:meth:`RateLimiter.take`) instead of
sleeping per message, and holds back the rest until :meth:`RateLimiter.wait_for` says.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class TokenBucket:
    """``rate`` tokens a second, at most ``burst`` stored."""

    def __init__(self, rate: float, burst: float, clock: Callable[[], float] = time.monotonic):
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be > 0 and burst >= 1")
        self.rate, self.burst = rate, burst
        self._clock = clock
        self._tokens = burst
        self._at = clock()
        self._lock = threading.Lock()

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
        self._at = now

    def take(self, wanted: int) -> int:
        """Take up to ``wanted`` whole tokens; the number taken."""
        with self._lock:
            self._refill()
            granted = min(wanted, int(self._tokens))
            self._tokens -= granted
            return granted

    def wait_for(self, tokens: int = 1) -> float:
        """Seconds until ``tokens`` are available."""
        with self._lock:
            self._refill()
            return max(0.0, (tokens - self._tokens) / self.rate)


class RateLimiter:
    """A channel bucket and, optionally, one bucket per key (per robot webhook)."""

    def __init__(
        self,
        per_second: float,
        burst: float | None = None,
        per_key_per_minute: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._channel = TokenBucket(per_second, burst or max(1.0, per_second), clock)
        self._per_key = per_key_per_minute
        self._keys: dict[str, TokenBucket] = {}
        self._clock = clock

    def take(self, wanted: int) -> int:
        """Channel tokens for up to ``wanted`` sends."""
        return self._channel.take(wanted)

    def take_key(self, key: str) -> bool:
        """One token of ``key``'s bucket (always True without per-key limits)."""
        if self._per_key is None:
            return True
        bucket = self._keys.get(key)
        if bucket is None:
            bucket = TokenBucket(self._per_key / 60.0, self._per_key, self._clock)
            self._keys[key] = bucket
        return bucket.take(1) == 1

    def wait_for(self, key: str | None = None) -> float:
        """Seconds until the next send (of ``key``) may start."""
        wait = self._channel.wait_for()
        bucket = self._keys.get(key) if key is not None else None
        return max(wait, bucket.wait_for()) if bucket is not None else wait
