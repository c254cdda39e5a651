"""Everyday traffic of one chunk of persons on one day, fully vectorised.

About 25 events per person per day: calls with a stable social circle and with businesses,
service and person-to-person SMS, web visits, app opens/installs and payments.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from fanzha.sim import events, phones
from fanzha.sim.catalog import Pools
from fanzha.sim.city import City
from fanzha.sim.config import US_PER_S
from fanzha.sim.rand import I64, mix, pick_weighted, times_of_day

SLOT_WEIGHTS = np.array([8, 6, 5, 4, 3, 2.5, 2, 1.6, 1.3, 1.0, 1.0, 0.8])
NEIGHBOUR_SLOTS = 4  # slots 0-3: family and neighbours (close person numbers)
OUTSIDE_SLOTS = 10  # slots 10-11: people outside the city (not in the registry)
RATES = {
    "social": 3.5,
    "business": 0.8,
    "service_sms": 3.1,
    "p2p_sms": 0.8,
    "url": 9.2,
    "app": 6.0,
    "pay": 1.2,
}
WORKING = np.array([0, 0, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1], dtype=bool)  # by OCCUPATIONS index


@dataclass
class Slice:
    """One chunk of persons on one day."""

    city: City
    pools: Pools
    rng: np.random.Generator
    persons: I64
    day_start: int
    day: int

    def repeat(self, rate: float, exponent: float = 1.0) -> I64:
        """Each person repeated by a Poisson count with mean ``rate * activity**exponent``."""
        lam = rate * self.city.activity[self.persons] ** exponent
        return np.repeat(self.persons, self.rng.poisson(lam))

    def times(self, who: I64) -> I64:
        """Event times for the given persons (night owls are active at night)."""
        return times_of_day(self.rng, self.day_start, len(who), self.city.night_share[who])


def contacts(city: City, person: I64, slot: I64) -> tuple[I64, I64, npt.NDArray[np.bool_]]:
    """(person number, phone, is a person) of each person's social-circle slot."""
    key = person * 16 + slot
    near = person + (mix(key, 21) % np.uint64(41)).astype(np.int64) - 20
    near = np.where(near == person, person + 1, near)
    far = (mix(key, 22) % np.uint64(city.n_persons)).astype(np.int64)
    idx = np.clip(np.where(slot < NEIGHBOUR_SLOTS, near, far), 0, city.n_persons - 1)
    outside = slot >= OUTSIDE_SLOTS
    phone = np.where(outside, phones.hashed_mobiles(mix(key, 23)), city.phone[idx])
    return idx, phone, ~outside


def own_phone(s: Slice, who: I64) -> I64:
    """The phone a person uses: the second phone for about a third of their traffic."""
    second = s.city.phone2[who]
    use2 = (second > 0) & (s.rng.random(len(who)) < 0.3)
    return np.where(use2, second, s.city.phone[who])


def durations(rng: np.random.Generator, n: int, median_s: float, answered: float) -> I64:
    """Talk time in seconds; 0 for unanswered calls."""
    talk = np.clip(rng.lognormal(np.log(median_s), 1.0, n), 1, 7200).astype(np.int64)
    return np.where(rng.random(n) < answered, talk, 0)


def caller_cells(s: Slice, who: I64) -> pa.Array:
    """Cell of each call: near home mostly, elsewhere in the city sometimes."""
    home = s.city.home_cell(who, 40 + s.day)
    away = s.rng.integers(0, len(s.city.cells), len(who))
    return events.take(s.city.cells, np.where(s.rng.random(len(who)) < 0.8, home, away))


def normal_traffic(s: Slice) -> dict[str, list[pa.Table]]:
    """Every kind of everyday event of one slice."""
    return {
        "calls": [_social_calls(s), _business_calls(s)],
        "sms": [_service_sms(s), _p2p_sms(s)],
        "url_visits": [_urls(s)],
        "app_events": [_apps(s)],
        "transfers": [_payments(s), _salaries(s)],
    }


def _social_calls(s: Slice) -> pa.Table:
    who = s.repeat(RATES["social"])
    slot = pick_weighted(s.rng, SLOT_WEIGHTS, len(who))
    _, callee, _ = contacts(s.city, who, slot)
    return events.make(
        "calls",
        who,
        caller=own_phone(s, who),
        callee=callee,
        start=s.times(who),
        duration_s=durations(s.rng, len(who), 75, 0.88),
        imei=events.take(s.city.imei, who),
        cell=caller_cells(s, who),
    )


def _business_calls(s: Slice) -> pa.Table:
    who = s.repeat(RATES["business"])
    biz = s.pools.businesses[s.rng.integers(0, len(s.pools.businesses), len(who))]
    incoming = s.rng.random(len(who)) < 0.5
    mine = own_phone(s, who)
    cells = caller_cells(s, who)
    null = pa.nulls(len(who), pa.string())
    inc = pa.array(incoming)
    return events.make(
        "calls",
        who,
        caller=np.where(incoming, biz, mine),
        callee=np.where(incoming, mine, biz),
        start=s.times(who),
        duration_s=durations(s.rng, len(who), 60, 0.8),
        imei=pa.compute.if_else(inc, null, events.take(s.city.imei, who)),
        cell=pa.compute.if_else(inc, null, cells),
    )


def _service_sms(s: Slice) -> pa.Table:
    who = s.repeat(RATES["service_sms"], 0.5)
    pick = pick_weighted(s.rng, s.pools.sms_weights, len(who))
    return events.make(
        "sms",
        who,
        sender=s.pools.sms_senders[pick],
        receiver=own_phone(s, who),
        time=s.times(who),
        text=events.take(s.pools.sms_texts, pick),
    )


def _p2p_sms(s: Slice) -> pa.Table:
    who = s.repeat(RATES["p2p_sms"])
    slot = pick_weighted(s.rng, SLOT_WEIGHTS[:6], len(who))
    _, receiver, _ = contacts(s.city, who, slot)
    text = events.take(s.pools.p2p_texts, s.rng.integers(0, len(s.pools.p2p_texts), len(who)))
    return events.make(
        "sms", who, sender=own_phone(s, who), receiver=receiver, time=s.times(who), text=text
    )


def _urls(s: Slice) -> pa.Table:
    who = s.repeat(RATES["url"])
    pick = pick_weighted(s.rng, s.pools.url_weights, len(who))
    return events.make(
        "url_visits",
        who,
        phone=own_phone(s, who),
        time=s.times(who),
        url=events.take(s.pools.urls, pick),
    )


def _apps(s: Slice) -> pa.Table:
    who = s.repeat(RATES["app"])
    pick = pick_weighted(s.rng, s.pools.app_weights, len(who))
    kind = np.array(["open", "install", "uninstall"])[
        pick_weighted(s.rng, np.array([0.97, 0.02, 0.01]), len(who))
    ]
    return events.make(
        "app_events",
        who,
        phone=own_phone(s, who),
        time=s.times(who),
        package=events.take(s.pools.apps, pick),
        event=kind,
    )


def _payments(s: Slice) -> pa.Table:
    who = s.repeat(RATES["pay"])
    who = who[(s.city.age[who] >= 16) | (s.rng.random(len(who)) < 0.3)]
    n = len(who)
    what = pick_weighted(s.rng, np.array([0.65, 0.30, 0.04, 0.01]), n)  # shop, person, atm, counter
    favourite = mix(who * 8 + s.rng.integers(0, 6, n), 31) % np.uint64(
        len(s.pools.merchant_accounts)
    )
    merchant = events.take(s.pools.merchant_accounts, favourite.astype(np.int64))
    friend, _, _ = contacts(s.city, who, s.rng.integers(0, 8, n))
    friend_acc = events.take(s.city.account_str, friend)
    payee = pa.compute.if_else(pa.array(what == 0), merchant, friend_acc)
    payee = pa.compute.if_else(pa.array(what == 2), pa.nulls(n, pa.string()), payee)
    amount = np.where(
        what == 0, s.rng.lognormal(np.log(40), 1.1, n), s.rng.lognormal(np.log(300), 1.2, n)
    )
    amount = np.where(what == 2, s.rng.integers(1, 21, n) * 100.0, np.round(amount, 2))
    channel = _channels(s.rng, what)
    return events.make(
        "transfers",
        who,
        payer_phone=own_phone(s, who),
        payer_account=events.take(s.city.account_str, who),
        payee_account=payee,
        amount=np.maximum(amount, 0.01),
        time=s.times(who),
        channel=channel,
    )


def _channels(rng: np.random.Generator, what: I64) -> npt.NDArray[np.str_]:
    names = np.array(["wechat", "alipay", "mobile_bank", "bank", "atm_withdrawal", "counter"])
    shop = pick_weighted(rng, np.array([0.5, 0.45, 0.05, 0, 0, 0]), len(what))
    person = pick_weighted(rng, np.array([0.6, 0.2, 0.15, 0.05, 0, 0]), len(what))
    out = np.where(what == 0, shop, person)
    out = np.where(what == 2, 4, np.where(what == 3, 5, out))
    return names[out]


def _salaries(s: Slice) -> pa.Table:
    working = s.persons[WORKING[s.city.occupation[s.persons]] & (s.city.age[s.persons] < 63)]
    who = working[s.rng.random(len(working)) < 1 / 22]
    n = len(who)
    employer = (mix(who // 40, 32) % np.uint64(len(s.pools.employer_accounts))).astype(np.int64)
    when = s.day_start + (9 * 3600 + s.rng.integers(0, 3 * 3600, n)) * US_PER_S
    return events.make(
        "transfers",
        who,
        payer_account=events.take(s.pools.employer_accounts, employer),
        payee_account=events.take(s.city.account_str, who),
        amount=np.round(s.rng.lognormal(np.log(7000), 0.4, n), 2),
        time=when,
        channel=np.full(n, "bank"),
    )
