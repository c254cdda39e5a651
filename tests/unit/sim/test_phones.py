"""Synthetic phone numbers and their written forms."""

from __future__ import annotations

import numpy as np

from fanzha.core import phone
from fanzha.sim import phones


def test_display_array_round_trips_every_kind() -> None:
    rng = np.random.default_rng(3)
    keys = np.concatenate([
        phones.mobiles(rng, 50), phones.mobiles(rng, 20, phones.VIRTUAL_PREFIXES),
        phones.international(rng, 30, phones.FRAUD_COUNTRIES), phones.landlines(rng, 20),
        np.array([8695588, 861012345678, 864001234567, phones.ANTI_FRAUD_HOTLINE]),
    ])  # fmt: skip
    shown = phones.display_array(keys, np.ones(len(keys), bool), rng.random(len(keys)))
    assert [phone.parse(s) for s in shown.to_pylist()] == keys.tolist()


def test_display_array_varies_mobile_forms() -> None:
    rng = np.random.default_rng(4)
    keys = phones.mobiles(rng, 2000)
    shown = phones.display_array(keys, np.ones(len(keys), bool), rng.random(len(keys))).to_pylist()
    spaced = sum(s.startswith("+86 ") for s in shown)
    assert 50 < spaced < 400
    assert sum(len(s) == 11 for s in shown) > 1500


def test_mobiles_are_distinct_and_real_mobiles() -> None:
    keys = phones.mobiles(np.random.default_rng(5), 10_000)
    assert len(set(keys.tolist())) == 10_000
    assert {phone.kind(int(k)) for k in keys[:500]} == {phone.PhoneKind.MOBILE}
