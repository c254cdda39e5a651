"""The registry: demographics, ID numbers, jurisdictions and phones."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow.compute as pc

from fanzha.core import idcard
from fanzha.core.schemas import OCCUPATIONS
from fanzha.sim import SimSummary
from tests.unit.sim.helpers import read_kind


def test_residents_demographics_in_range(small_city: tuple[Path, SimSummary]) -> None:
    res = read_kind(small_city[0], "residents").to_pandas()
    age = 2026 - res.birth_year
    assert age.between(8, 90).all()
    assert 0.15 < (age < 18).mean() + (age > 60).mean() < 0.45  # children and elderly exist
    assert 0.3 < ((age >= 18) & (age <= 40)).mean() < 0.5
    assert set(res.gender) == {"M", "F"}
    assert set(res.occupation) <= set(OCCUPATIONS)
    assert (age[res.occupation == "retiree"] >= 50).all()
    assert (age[res.occupation == "student"] <= 25).all()
    assert (res.occupation == "finance").sum() > 0


def test_residents_id_numbers_are_synthetic_and_valid(small_city: tuple[Path, SimSummary]) -> None:
    res = read_kind(small_city[0], "residents").to_pandas()
    for text in res.id_number.sample(500, random_state=1):
        assert idcard.validate(text) == text
        assert text.startswith("99")
    person = res.drop_duplicates("id_number")
    assert person.id_number.is_unique
    odd = person.id_number.str[16].astype(int) % 2 == 1
    assert ((person.gender == "M") == odd).all()


def test_residents_phones_unique_and_some_have_two(small_city: tuple[Path, SimSummary]) -> None:
    res = read_kind(small_city[0], "residents").to_pandas()
    assert res.phone.is_unique
    assert 0 < res.id_number.duplicated().sum() < 0.05 * len(res)


def test_residents_communities_belong_to_stations(small_city: tuple[Path, SimSummary]) -> None:
    out = small_city[0]
    juris = read_kind(out, "jurisdictions").to_pandas()
    res = read_kind(out, "residents")
    assert set(res["community"].to_pylist()) <= set(juris.community)
    assert juris.community.is_unique and juris.station.str.startswith("PS").all()


def test_traffic_includes_phones_outside_registry(small_city: tuple[Path, SimSummary]) -> None:
    out = small_city[0]
    registry = set(read_kind(out, "residents")["phone"].to_pylist())
    callers = read_kind(out, "calls")["caller"].to_numpy()
    outside = ~np.isin(callers, np.array(sorted(registry)))
    assert 0.01 < outside.mean() < 0.3


def test_traffic_volume_about_25_events_per_resident_day(
    small_city: tuple[Path, SimSummary],
) -> None:
    _, summary = small_city
    per_day = summary.events / 4000 / 2
    assert 20 < per_day < 32
    assert pc.sum(pc.equal(read_kind(small_city[0], "calls")["duration_s"], 0)).as_py() > 0
