"""Token buckets with a fake clock."""

from __future__ import annotations

import pytest

from fanzha.notify.ratelimit import RateLimiter, TokenBucket


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def test_ratelimit_bucket_refills_at_rate() -> None:
    clock = Clock()
    bucket = TokenBucket(10, 10, clock)
    assert bucket.take(25) == 10
    assert bucket.take(1) == 0
    assert bucket.wait_for(5) == pytest.approx(0.5)
    clock.t = 0.5
    assert bucket.take(25) == 5


def test_ratelimit_per_key_twenty_a_minute() -> None:
    clock = Clock()
    limiter = RateLimiter(1000, per_key_per_minute=20, clock=clock)
    assert sum(limiter.take_key("robot-a") for _ in range(30)) == 20
    assert limiter.take_key("robot-b")
    assert limiter.wait_for("robot-a") == pytest.approx(3.0)
    clock.t = 3.0
    assert limiter.take_key("robot-a")
    assert not limiter.take_key("robot-a")


def test_ratelimit_refuses_bad_rate() -> None:
    with pytest.raises(ValueError):
        TokenBucket(0, 1)
