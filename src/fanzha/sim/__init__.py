"""The synthetic city: residents, everyday traffic, hard negatives, fraud operations, ground truth.

Public API::

    from fanzha.sim import SimConfig, simulate
    summary = simulate(SimConfig(residents=2000, days=1, seed=7), Path("out"))
"""

from __future__ import annotations

from fanzha.sim.config import GENERATOR_VERSION, SimConfig, SimSummary
from fanzha.sim.engine import simulate

__all__ = ["GENERATOR_VERSION", "SimConfig", "SimSummary", "simulate"]
