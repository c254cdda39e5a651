"""Deterministic randomness: one generator per component and chunk, and a vectorised hash.

Every random draw comes from ``rng_for(seed, component, ...)`` so that a chunk's output
depends only on the seed and its own coordinates, never on the order of generation.
Stable per-person properties (social circle, activity level) come from :func:`mix`, a
splitmix64-style hash, so they are the same on every day.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from fanzha.sim.config import US_PER_S

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
U64 = npt.NDArray[np.uint64]

COMPONENTS = {
    "city": 1,
    "normal": 2,
    "negatives": 3,
    "operations": 4,
    "cold": 5,
    "journeys": 6,
    "feeds": 7,
    "csv": 8,
    "texts": 9,
}

# Share of activity by hour of day (local time): quiet night, morning rise, evening peak.
DAY_PROFILE = np.array(
    [
        0.6,
        0.35,
        0.2,
        0.15,
        0.15,
        0.3,
        1.2,
        3.0,
        5.0,
        6.5,
        7.0,
        6.8,
        6.0,
        5.8,
        6.2,
        6.5,
        6.5,
        6.3,
        6.8,
        7.2,
        7.0,
        5.5,
        3.5,
        1.5,
    ],
)
NIGHT_PROFILE = np.array(
    [
        4.0,
        3.5,
        3.0,
        2.5,
        1.5,
        1.0,
        1.0,
        1.5,
        2.0,
        2.5,
        3.0,
        3.0,
        3.0,
        3.0,
        3.0,
        3.0,
        3.0,
        3.0,
        3.5,
        4.0,
        4.5,
        5.0,
        5.0,
        4.5,
    ],
)


def rng_for(seed: int, component: str, *keys: int) -> np.random.Generator:
    """The generator of one component (and chunk/day/...) of a run."""
    return np.random.default_rng([seed, COMPONENTS[component], *keys])


def mix(values: npt.ArrayLike, salt: int) -> U64:
    """A stable 64-bit hash of integers (splitmix64 finaliser)."""
    with np.errstate(over="ignore"):
        x = np.asarray(values).astype(np.uint64) + np.uint64(salt) * np.uint64(0x9E3779B97F4A7C15)
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def unit(values: npt.ArrayLike, salt: int) -> F64:
    """A stable uniform number in [0, 1) per integer."""
    return (mix(values, salt) >> np.uint64(11)).astype(np.float64) / float(1 << 53)


def times_of_day(
    rng: np.random.Generator, day_start_us: int, n: int, night_share: F64 | None = None
) -> I64:
    """``n`` event times within one day following the day profile (night owls optional)."""
    hours = rng.choice(24, size=n, p=DAY_PROFILE / DAY_PROFILE.sum())
    if night_share is not None:
        owl = rng.random(n) < night_share
        hours[owl] = rng.choice(24, size=int(owl.sum()), p=NIGHT_PROFILE / NIGHT_PROFILE.sum())
    seconds = hours * 3600 + rng.integers(0, 3600, size=n)
    return day_start_us + seconds.astype(np.int64) * US_PER_S


def pick_weighted(rng: np.random.Generator, weights: F64, n: int) -> I64:
    """``n`` indices drawn with the given (unnormalised) weights."""
    cum = np.cumsum(weights)
    found = np.searchsorted(cum, rng.random(n) * cum[-1], side="right")
    out: I64 = np.minimum(found, len(weights) - 1).astype(np.int64)
    return out
