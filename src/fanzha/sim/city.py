"""The city: police stations, communities and the people who live (or stay) in them.

Persons are numbered ``0..P-1`` and live in communities in index order, so neighbours have
close indices. A small share of persons are *visitors*: they make and receive traffic like
residents but are not in the registry. ``P = residents + visitors``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from fanzha.core.schemas import OCCUPATIONS
from fanzha.sim import names, phones
from fanzha.sim.config import SimConfig
from fanzha.sim.rand import F64, I64, mix, rng_for, unit

VISITOR_EVERY = 51  # one person in 51 (of the first 51*V) is a visitor
CELLS_PER_COMMUNITY = 4
SECOND_PHONE_SHARE = 0.02
# phone holders by age band: (lowest age, highest age, share)
AGE_BANDS = (
    (8, 17, 0.10),
    (18, 29, 0.19),
    (30, 40, 0.20),
    (41, 50, 0.17),
    (51, 60, 0.15),
    (61, 70, 0.12),
    (71, 90, 0.07),
)
# occupation shares per age band (columns follow OCCUPATIONS)
_OCC = {
    "minor": (1.0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
    "young": (0.30, 0, 0.03, 0.17, 0.15, 0.03, 0.06, 0.10, 0.07, 0.03, 0.03, 0.03),
    "adult": (0, 0, 0.04, 0.20, 0.21, 0.08, 0.10, 0.06, 0.06, 0.05, 0.05, 0.15),
    "senior": (0, 0.35, 0.02, 0.10, 0.16, 0.12, 0.08, 0.05, 0.02, 0.04, 0.04, 0.02),
    "old": (0, 0.88, 0, 0, 0, 0.08, 0.02, 0, 0, 0, 0, 0.02),
}


@dataclass
class City:
    """Every person-level array, indexed by person number."""

    n_residents: int
    n_persons: int
    n_communities: int
    n_stations: int
    is_visitor: npt.NDArray[np.bool_]
    community: I64
    age: I64
    birth_year: I64
    gender: npt.NDArray[np.int8]  # 0 = M, 1 = F
    occupation: I64  # index into OCCUPATIONS
    phone: I64
    phone2: I64  # 0 = none
    account: I64
    activity: F64
    night_share: F64
    relative_abroad: npt.NDArray[np.bool_]
    imei: pa.Array
    account_str: pa.Array
    cells: pa.Array
    id_number: pa.Array  # for every person (visitors' are never written)

    def home_cell(self, idx: I64, salt: int) -> I64:
        """Index into ``cells`` near the person's home."""
        offset = (mix(idx, salt) % np.uint64(CELLS_PER_COMMUNITY)).astype(np.int64)
        return self.community[idx] * CELLS_PER_COMMUNITY + offset

    def chunk_range(self, chunk: int, size: int) -> tuple[int, int]:
        """Person numbers of one generation chunk."""
        return chunk * size, min(self.n_persons, (chunk + 1) * size)


def build_city(config: SimConfig) -> City:
    """Draw the whole population (vectorised; about a second at 800k)."""
    rng = rng_for(config.seed, "city")
    n_vis = config.residents // 50
    n = config.residents + n_vis
    idx = np.arange(n, dtype=np.int64)
    n_comm = max(1, round(config.residents / 4000))
    age = _ages(rng, n)
    gender = (rng.random(n) < 0.49).astype(np.int8)
    has2 = rng.random(n) < SECOND_PHONE_SHARE
    keys = phones.mobiles(rng, n + int(has2.sum()))
    phone2 = np.zeros(n, dtype=np.int64)
    phone2[has2] = keys[n : n + int(has2.sum())]
    account = 6217_0000_0000_0000_000 + idx * 1_000_003 + rng.integers(0, 1000, n)
    return City(
        n_residents=config.residents,
        n_persons=n,
        n_communities=n_comm,
        n_stations=max(1, round(config.residents / 50_000)),
        is_visitor=(idx % VISITOR_EVERY == VISITOR_EVERY - 1) & (idx < VISITOR_EVERY * n_vis),
        community=idx * n_comm // n,
        age=age,
        birth_year=config.start.year - age,
        gender=gender,
        occupation=_occupations(rng, age),
        phone=keys[:n],
        phone2=phone2,
        account=account,
        activity=rng.lognormal(0.0, 0.45, n) / np.exp(0.45**2 / 2),
        night_share=np.where(unit(idx, 11) < 0.06, 0.45, 0.03),
        relative_abroad=unit(idx, 12) < 0.012,
        imei=pa.array(860_000_000_000_000 + idx * 997 + rng.integers(0, 997, n)).cast(pa.string()),
        account_str=pa.array(account).cast(pa.string()),
        cells=names.cell_ids(rng, n_comm * CELLS_PER_COMMUNITY),
        id_number=_id_numbers(rng, idx, config.start.year - age, gender),
    )


def _ages(rng: np.random.Generator, n: int) -> I64:
    shares = np.array([b[2] for b in AGE_BANDS])
    band = rng.choice(len(AGE_BANDS), size=n, p=shares / shares.sum())
    low = np.array([b[0] for b in AGE_BANDS])[band]
    high = np.array([b[1] for b in AGE_BANDS])[band]
    out: I64 = (low + (rng.random(n) * (high - low + 1)).astype(np.int64)).astype(np.int64)
    return out


def _occupations(rng: np.random.Generator, age: I64) -> I64:
    band = np.select(
        [age < 18, age < 26, age < 50, age < 63], ["minor", "young", "adult", "senior"], "old"
    )
    out = np.zeros(len(age), dtype=np.int64)
    for name, shares in _OCC.items():
        sel = band == name
        p = np.array(shares, dtype=np.float64)
        out[sel] = rng.choice(len(OCCUPATIONS), size=int(sel.sum()), p=p / p.sum())
    return out


def _id_numbers(
    rng: np.random.Generator, idx: I64, year: I64, gender: npt.NDArray[np.int8]
) -> pa.Array:
    """18-digit IDs with the non-existent region 99xxxx and a valid check character."""
    month = rng.integers(1, 13, len(idx))
    day = rng.integers(1, 29, len(idx))
    region = 990000 + (idx // 500) % 10000
    seq = (idx % 500) * 2 + (1 - gender)  # odd = male
    body = region * 10**11 + year * 10**7 + month * 10**5 + day * 10**3 + seq
    digits = (body[:, None] // 10 ** np.arange(16, -1, -1)) % 10
    weights = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
    check = np.frombuffer(b"10X98765432", dtype=np.uint8)[(digits @ weights) % 11]
    chars = np.concatenate([(digits + 48).astype(np.uint8), check[:, None]], axis=1)
    strings = np.ascontiguousarray(chars).view("S18").ravel()
    return pa.array(strings, type=pa.binary(18)).cast(pa.string())


def registry_rows(city: City) -> tuple[I64, I64]:
    """(person index, phone) of every registry row: residents, some with a second phone."""
    idx = np.flatnonzero(~city.is_visitor)
    two = idx[city.phone2[idx] > 0]
    people = np.concatenate([idx, two])
    keys = np.concatenate([city.phone[idx], city.phone2[two]])
    order = np.argsort(people, kind="stable")
    return people[order], keys[order]


def demographic_fit(city: City, fraud_type: str) -> F64:
    """How well each person fits a fraud type's targets (relative weight, visitors lower)."""
    occ = np.asarray(OCCUPATIONS)[city.occupation]
    age = city.age
    w = np.where((age >= 18) & (age <= 40), 1.6, 1.0)
    w = w * np.where(age < 14, 0.2, 1.0)
    boost = _fit_boost(fraud_type, age, occ)
    return w * boost * np.where(city.is_visitor, 0.5, 1.0)


def _fit_boost(fraud_type: str, age: I64, occ: npt.NDArray[np.str_]) -> F64:
    student = occ == "student"
    rules: dict[str, npt.NDArray[np.floating[Any]]] = {
        "task_rebate": 1 + 4.0 * student + 3.0 * (occ == "unemployed") + 1.0 * (occ == "worker"),
        "fake_investment": 1 + 2.0 * ((age >= 30) & (age <= 60)) + 2.0 * (occ == "merchant"),
        "fake_shopping": 1 + 2.0 * ((age >= 18) & (age <= 35)),
        "fake_customer_service": 1 + 2.0 * ((age >= 20) & (age <= 45)),
        "fake_loan": 1 + 3.0 * (occ == "unemployed") + 2.0 * (occ == "worker") + 1.0 * student,
        "fake_credit": 1 + 4.0 * ((age >= 20) & (age <= 30)),
        "impersonate_boss": 1 + 25.0 * (occ == "finance") + 1.0 * (age >= 60),
        "impersonate_police": 1 + 4.0 * (age >= 60) + 1.0 * ((age >= 20) & (age <= 35)),
        "romance": 1 + 2.5 * ((age >= 25) & (age <= 50)),
        "game_trade": (1 + 6.0 * (age < 18) + 3.0 * student) * np.where(age > 40, 0.2, 1.0),
    }
    return np.asarray(rules.get(fraud_type, np.ones(len(age))), dtype=np.float64)
