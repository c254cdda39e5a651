"""Fixtures for detection tests: a store builder in a temporary folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.detection.factory import StoreBuilder


@pytest.fixture
def builder(tmp_path: Path) -> StoreBuilder:
    """An empty store builder with one station owning community C01."""
    b = StoreBuilder(tmp_path / "store")
    b.add(
        "jurisdictions",
        community="C01",
        community_name="幸福社区",
        station="S1",
        station_name="城关派出所",
    )
    return b
