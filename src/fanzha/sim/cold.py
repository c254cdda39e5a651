"""Cold contacts: fraud numbers calling and texting many residents in bursts.

Each active number works a shift of about six hours, calling or texting residents picked
half at random (leaked lists) and half by demographic fit to the type. Most calls are not
answered or hung up within seconds; the numbers receive almost no calls.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from fanzha.sim import events, texts
from fanzha.sim.city import City, demographic_fit
from fanzha.sim.config import US_PER_DAY, US_PER_S, SimConfig
from fanzha.sim.operations import FraudNumber, Operation
from fanzha.sim.rand import F64, I64, pick_weighted, rng_for

TYPE_SHARE = {
    "task_rebate": 0.22,
    "fake_investment": 0.14,
    "fake_shopping": 0.10,
    "fake_customer_service": 0.12,
    "fake_loan": 0.10,
    "fake_credit": 0.06,
    "impersonate_boss": 0.05,
    "impersonate_police": 0.09,
    "romance": 0.06,
    "game_trade": 0.06,
}
SMS_SHARE = {
    "task_rebate": 0.7,
    "fake_investment": 0.5,
    "fake_shopping": 0.6,
    "fake_customer_service": 0.2,
    "fake_loan": 0.7,
    "fake_credit": 0.2,
    "impersonate_boss": 0.6,
    "impersonate_police": 0.1,
    "romance": 0.4,
    "game_trade": 0.6,
}
COLD_PER_RESIDENT_DAY = 0.014  # cold calls + scam SMS per resident per day (11k at 800k)


@dataclass
class Contacts:
    """Who was contacted by which operation's number, when (one entry per event)."""

    person: I64
    op_index: I64
    number: I64
    time: I64


def target_weights(city: City, fraud_type: str) -> F64:
    """Half leaked lists (uniform), half demographic fit."""
    fit = demographic_fit(city, fraud_type)
    out: F64 = 0.5 * fit / float(fit.mean()) + 0.5
    return out


def cold_contacts(
    config: SimConfig, city: City, ops: list[Operation]
) -> tuple[pa.Table, pa.Table, Contacts]:
    """All cold calls and scam SMS of the window."""
    calls: list[pa.Table] = []
    sms: list[pa.Table] = []
    parts: list[Contacts] = []
    per_type = {t: sum(1 for o in ops if o.fraud_type == t) for t in TYPE_SHARE}
    weights = {t: target_weights(city, t) for t in TYPE_SHARE}
    for i, op in enumerate(ops):
        mean = COLD_PER_RESIDENT_DAY * config.residents * config.fraud_multiplier**0.5
        mean *= TYPE_SHARE[op.fraud_type] / per_type[op.fraud_type]
        for day in range(config.days):
            rng = rng_for(config.seed, "cold", i, day)
            c, s, contacts = _one_day(
                rng, config, city, op, i, day, int(rng.poisson(mean)), weights[op.fraud_type]
            )
            calls.append(c)
            sms.append(s)
            parts.append(contacts)
    merged = Contacts(
        *(
            np.concatenate([getattr(p, f) for p in parts]) if parts else np.zeros(0, np.int64)
            for f in ("person", "op_index", "number", "time")
        )
    )
    return events.concat("calls", calls), events.concat("sms", sms), merged


def _one_day(
    rng: np.random.Generator,
    config: SimConfig,
    city: City,
    op: Operation,
    i: int,
    day: int,
    n: int,
    weights: F64,
) -> tuple[pa.Table, pa.Table, Contacts]:
    active = op.active(day)
    who = pick_weighted(rng, weights, n)
    num = rng.integers(0, len(active), n)
    shift = np.array([9 + (n_.key + 7919 * day) % 7 for n_ in active])[num]
    times = (
        config.start_us
        + day * US_PER_DAY
        + (shift * 3600 + rng.integers(0, 6 * 3600, n)) * US_PER_S
    )
    keys = np.array([a.key for a in active], dtype=np.int64)[num]
    is_sms = rng.random(n) < SMS_SHARE[op.fraud_type]
    calls = _calls(rng, city, active, num[~is_sms], who[~is_sms], keys[~is_sms], times[~is_sms])
    url = op.urls[int(rng.integers(0, len(op.urls)))]
    body = [texts.scam_text(rng, op.fraud_type, url) for _ in range(int(is_sms.sum()))]
    sms = events.make(
        "sms",
        who[is_sms],
        sender=keys[is_sms],
        receiver=city.phone[who[is_sms]],
        time=times[is_sms],
        text=body,
    )
    return calls, sms, Contacts(who, np.full(n, i), keys, times)


def _calls(
    rng: np.random.Generator,
    city: City,
    active: list[FraudNumber],
    num: I64,
    who: I64,
    keys: I64,
    times: I64,
) -> pa.Table:
    n = len(num)
    u = rng.random(n)
    dur = np.where(u < 0.6, 0, np.where(u < 0.9, rng.integers(1, 11, n), rng.integers(11, 240, n)))
    kinds = np.array([a.kind for a in active])[num] if n else np.zeros(0, dtype=str)
    home = np.array([a.cell for a in active], dtype=np.int64)[num] if n else np.zeros(0, np.int64)
    moving = np.where(
        kinds == "simbox", (home + (times // (3600 * US_PER_S)) * 37) % len(city.cells), home
    )
    imei = [active[k].imei for k in num.tolist()]
    cell = events.take(city.cells, moving)
    cell = pa.compute.if_else(pa.array(kinds == "international"), pa.nulls(n, pa.string()), cell)
    return events.make(
        "calls",
        who,
        caller=keys,
        callee=city.phone[who],
        start=times,
        duration_s=dur,
        imei=imei,
        cell=cell,
    )
