"""Small simulated cities shared by the simulator tests (each built once per session)."""

from __future__ import annotations

from pathlib import Path

import pytest

from fanzha.sim import SimConfig, SimSummary, simulate

SMALL = SimConfig(residents=4000, days=2, seed=11, fraud_multiplier=100)


@pytest.fixture(scope="session")
def small_city(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SimSummary]:
    """A 4,000-resident city over two days with a lot of fraud, in Parquet."""
    out = tmp_path_factory.mktemp("city_parquet")
    return out, simulate(SMALL, out)


@pytest.fixture(scope="session")
def small_city_csv(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SimSummary]:
    """The same city written as CSV."""
    out = tmp_path_factory.mktemp("city_csv")
    config = SimConfig(**{**SMALL.__dict__, "format": "csv"})
    return out, simulate(config, out)
