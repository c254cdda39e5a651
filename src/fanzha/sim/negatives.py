"""Hard negatives: legitimate traffic that looks like fraud.

Couriers and telemarketers calling many strangers briefly (some from virtual 170/171
ranges), banks' 95xxx numbers calling customers, relatives abroad calling long and often,
remote-desktop and screen-sharing installs, large transfers to new payees, and rare
confusing combinations (a relative abroad calls, then the resident pays a new payee).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from fanzha.sim import events, phones
from fanzha.sim.catalog import REMOTE_TOOLS
from fanzha.sim.city import City
from fanzha.sim.config import US_PER_S, SimConfig
from fanzha.sim.normal import Slice, durations, own_phone
from fanzha.sim.rand import I64, U64, mix, pick_weighted, rng_for

RATES = {
    "courier": 0.025,
    "telemarketer": 0.03,
    "bank_call": 0.003,
    "relative_call": 0.35,
    "remote_it": 0.01,
    "remote_other": 0.0008,
    "big_payment": 0.0015,
    "combo": 0.01,
}


@dataclass
class Actors:
    """Legitimate numbers that behave like fraud numbers."""

    couriers: I64
    telemarketers: I64
    telemarketer_cells: I64
    banks: I64
    ground_truth: list[tuple[int, str, str]] = field(default_factory=list)


def build_actors(config: SimConfig, city: City) -> Actors:
    """Couriers (~1 per 2,000 residents) and telemarketers (~1 per 8,000)."""
    rng = rng_for(config.seed, "negatives", 10**6)
    n_c = max(3, round(config.residents / 2000))
    n_t = max(3, round(config.residents / 8000))
    couriers = _mix_kinds(rng, n_c, virtual_share=0.1, landline_share=0.0)
    tele = _mix_kinds(rng, n_t, virtual_share=0.4, landline_share=0.3)
    banks = np.array([phones.service_key(b) for b in phones.BANK_SERVICE], dtype=np.int64)
    truth = [(int(k), "courier", "快递员") for k in couriers]
    truth += [(int(k), "telemarketer", "电话营销") for k in tele]
    truth += [(int(k), "bank_service", "银行客服") for k in banks]
    cells = rng.integers(0, len(city.cells), n_t)
    return Actors(couriers, tele, cells, banks, truth)


def _mix_kinds(
    rng: np.random.Generator, n: int, virtual_share: float, landline_share: float
) -> I64:
    out = phones.mobiles(rng, n)
    u = rng.random(n)
    u[0] = 0.0  # at least one number in a virtual range
    virtual = u < virtual_share
    out[virtual] = phones.mobiles(rng, int(virtual.sum()), phones.VIRTUAL_PREFIXES)
    land = (u >= virtual_share) & (u < virtual_share + landline_share)
    out[land] = phones.landlines(rng, int(land.sum()))
    return out


def relative_numbers(person: I64) -> I64:
    """The international number of each person's relative abroad (stable)."""
    h: U64 = mix(person, 51)
    which = (h % np.uint64(len(phones.FAMILY_COUNTRIES))).astype(np.int64)
    out = np.empty(len(person), dtype=np.int64)
    for i, (cc, length) in enumerate(phones.FAMILY_COUNTRIES):
        lead = 10 ** (length - 1)
        national = lead + ((h >> np.uint64(8)) % np.uint64(9 * lead)).astype(np.int64)
        out = np.where(which == i, cc * 10**length + national, out)
    return out


def hard_negatives(
    s: Slice, actors: Actors
) -> tuple[dict[str, list[pa.Table]], list[tuple[int, str, str]]]:
    """Every kind of hard negative of one slice, plus resident-level ground-truth rows."""
    calls = [_stranger_calls(s, actors), _bank_calls(s, actors)]
    rel_calls, rel_pay, truth = _relatives(s)
    apps, remote_pay = _remote_tools(s)
    return (
        {
            "calls": [*calls, rel_calls],
            "app_events": [apps],
            "transfers": [_big_payments(s), rel_pay, remote_pay],
        },
        truth,
    )


def _callees(s: Slice, rate: float) -> I64:
    n = s.rng.poisson(rate * len(s.persons))
    return s.persons[s.rng.integers(0, len(s.persons), n)]


def _stranger_calls(s: Slice, a: Actors) -> pa.Table:
    cour = _callees(s, RATES["courier"])
    ci = (s.city.community[cour] * 7 + s.rng.integers(0, 3, len(cour))) % len(a.couriers)
    tele = _callees(s, RATES["telemarketer"])
    ti = s.rng.integers(0, len(a.telemarketers), len(tele))
    who = np.concatenate([cour, tele])
    caller = np.concatenate([a.couriers[ci], a.telemarketers[ti]])
    dur = np.concatenate([durations(s.rng, len(cour), 25, 0.85), _cold_durations(s.rng, len(tele))])
    cells = np.concatenate([s.city.home_cell(cour, 61), a.telemarketer_cells[ti]])
    imei = pa.array(990_000_000_000_000 + caller % 10**12).cast(pa.string())
    table = events.make(
        "calls",
        who,
        caller=caller,
        callee=own_phone(s, who),
        start=s.times(who),
        duration_s=dur,
        imei=imei,
        cell=events.take(s.city.cells, cells),
    )
    back = s.rng.random(len(cour)) < 0.15  # customers call their courier back
    callback = events.make(
        "calls",
        cour[back],
        caller=own_phone(s, cour[back]),
        callee=a.couriers[ci][back],
        start=s.times(cour[back]),
        duration_s=durations(s.rng, int(back.sum()), 30, 0.9),
        imei=events.take(s.city.imei, cour[back]),
        cell=events.take(s.city.cells, s.city.home_cell(cour[back], 62)),
    )
    return events.concat("calls", [table, callback])


def _cold_durations(rng: np.random.Generator, n: int) -> I64:
    """Unanswered (55 %), hung up within seconds (30 %), or a short pitch."""
    u = rng.random(n)
    short = rng.integers(1, 9, n)
    pitch = np.clip(rng.lognormal(np.log(40), 0.8, n), 9, 900).astype(np.int64)
    return np.where(u < 0.55, 0, np.where(u < 0.85, short, pitch))


def _bank_calls(s: Slice, a: Actors) -> pa.Table:
    who = _callees(s, RATES["bank_call"])
    return events.make(
        "calls",
        who,
        caller=a.banks[s.rng.integers(0, len(a.banks), len(who))],
        callee=own_phone(s, who),
        start=s.times(who),
        duration_s=durations(s.rng, len(who), 90, 0.7),
    )


def _relatives(s: Slice) -> tuple[pa.Table, pa.Table, list[tuple[int, str, str]]]:
    have = s.persons[s.city.relative_abroad[s.persons]]
    who = have[s.rng.random(len(have)) < RATES["relative_call"]]
    abroad = relative_numbers(who)
    start = s.times(who)
    dur = np.clip(s.rng.lognormal(np.log(900), 0.7, len(who)), 60, 7200).astype(np.int64)
    out = s.rng.random(len(who)) < 0.3  # the resident calls abroad
    mine = s.city.phone[who]
    calls = events.make(
        "calls",
        who,
        caller=np.where(out, mine, abroad),
        callee=np.where(out, abroad, mine),
        start=start,
        duration_s=dur,
        imei=pa.compute.if_else(
            pa.array(out), events.take(s.city.imei, who), pa.nulls(len(who), pa.string())
        ),
    )
    pay = s.rng.random(len(who)) < RATES["combo"]
    when = start[pay] + (dur[pay] + s.rng.integers(600, 5400, int(pay.sum()))) * US_PER_S
    transfers = _new_payee(s, who[pay], when, np.log(20000), 0.6)
    truth = [(int(k), "relative_abroad", "境外亲属") for k in np.unique(abroad)]
    truth += [
        (int(k), "combo_abroad_then_new_payee", "境外亲属来电后向新收款人转账") for k in mine[pay]
    ]
    return calls, transfers, truth


def _new_payee(
    s: Slice, who: I64, when: I64, log_median: float | npt.NDArray[np.float64], sigma: float
) -> pa.Table:
    n = len(who)
    payee = 6230_0000_0000_0000_000 + s.rng.integers(0, 10**15, n)
    channel = np.array(["mobile_bank", "bank", "alipay", "wechat"])[
        pick_weighted(s.rng, np.array([0.5, 0.25, 0.15, 0.1]), n)
    ]
    return events.make(
        "transfers",
        who,
        payer_phone=s.city.phone[who],
        payer_account=events.take(s.city.account_str, who),
        payee_account=pa.array(payee).cast(pa.string()),
        amount=np.round(s.rng.lognormal(log_median, sigma, n), -1),
        time=when,
        channel=channel,
    )


def _big_payments(s: Slice) -> pa.Table:
    adults = s.persons[s.city.age[s.persons] >= 22]
    who = adults[s.rng.random(len(adults)) < RATES["big_payment"]]
    kind = s.rng.random(len(who))
    log_median = np.where(
        kind < 0.5, np.log(4000), np.where(kind < 0.9, np.log(15000), np.log(120000))
    )
    return _new_payee(s, who, s.times(who), log_median, 0.5)


def _remote_tools(s: Slice) -> tuple[pa.Table, pa.Table]:
    it = s.city.occupation[s.persons] == 8  # OCCUPATIONS.index("it")
    p = np.where(it, RATES["remote_it"], RATES["remote_other"])
    who = s.persons[s.rng.random(len(s.persons)) < p]
    tool = pick_weighted(s.rng, np.array([1.0, 1.0, 1.5, 3.0, 3.0]), len(who))
    t_install = s.times(who)
    both = np.concatenate([who, who])
    times = np.concatenate([t_install, t_install + s.rng.integers(20, 600, len(who)) * US_PER_S])
    apps = events.make(
        "app_events",
        both,
        phone=s.city.phone[both],
        time=times,
        package=np.array(REMOTE_TOOLS)[np.concatenate([tool, tool])],
        event=np.repeat(np.array(["install", "open"]), len(who)),
    )
    pay = s.rng.random(len(who)) < 0.1  # e.g. paying a supplier after a video meeting
    when = t_install[pay] + s.rng.integers(900, 7200, int(pay.sum())) * US_PER_S
    return apps, _new_payee(s, who[pay], when, np.log(8000), 0.8)
