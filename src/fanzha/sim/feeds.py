"""What the centre receives from outside: the indicator feed (blacklists) and upstream leads."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from fanzha.core.levels import Level
from fanzha.core.phone import display
from fanzha.sim import events, texts
from fanzha.sim.city import City
from fanzha.sim.config import US_PER_DAY, US_PER_S, SimConfig
from fanzha.sim.journeys import Target
from fanzha.sim.negatives import Actors
from fanzha.sim.operations import Operation
from fanzha.sim.truth import Indicator

SOURCES = {
    "phone": ("省反诈中心", "运营商", "公安部反诈中心"),
    "url": ("互联网企业", "省反诈中心"),
    "domain": ("互联网企业", "省反诈中心"),
    "app": ("互联网企业", "公安部反诈中心"),
    "account": ("银行", "省反诈中心"),
}
LEAD_UNITS = (
    ("省反诈中心", "省反诈", 0.5),
    ("中国移动反诈专班", "移动", 0.2),
    ("腾讯守护者计划", "腾讯", 0.15),
    ("工商银行风控中心", "工行", 0.15),
)
MIN = 60 * US_PER_S


def choose_blacklisted(
    rng: np.random.Generator, truth: list[Indicator], coverage: float
) -> set[int]:
    """Indices of listed indicators: exactly ``round(coverage * n)`` of each kind."""
    chosen: set[int] = set()
    for kind in SOURCES:
        idx = [i for i, ind in enumerate(truth) if ind.kind == kind and not ind.is_wrong]
        k = round(coverage * len(idx))
        chosen.update(np.array(idx, dtype=np.int64)[rng.permutation(len(idx))[:k]].tolist())
    return chosen


def wrong_entries(
    rng: np.random.Generator, config: SimConfig, actors: Actors, merchants: pa.Array
) -> list[Indicator]:
    """Legitimate numbers, sites, apps and accounts listed by mistake."""
    n = max(1, round(3 * config.scale))
    out = [
        Indicator("phone", display(int(k)), "other", "", is_wrong=True)
        for k in rng.choice(actors.telemarketers, min(n, len(actors.telemarketers)), replace=False)
    ]
    out += [
        Indicator("phone", display(int(k)), "fake_customer_service", "", is_wrong=True)
        for k in rng.choice(actors.couriers, min(n, len(actors.couriers)), replace=False)
    ]
    out.append(Indicator("domain", "www.pxb7.com", "game_trade", "", is_wrong=True))
    out.append(Indicator("app", "com.oray.sunlogin", "fake_customer_service", "", is_wrong=True))
    out.append(
        Indicator(
            "account",
            str(merchants[int(rng.integers(0, len(merchants)))]),
            "fake_shopping",
            "",
            is_wrong=True,
        )
    )
    return out


def indicator_feed(
    rng: np.random.Generator, config: SimConfig, truth: list[Indicator], listed: set[int]
) -> pa.Table:
    """The blacklist rows: listed fraud indicators (1–2 sources each) and the wrong entries."""
    rows: dict[str, list[object]] = {
        k: []
        for k in ("kind", "value", "fraud_type", "source", "confidence", "valid_from", "valid_to")
    }
    for i, ind in enumerate(truth):
        if i not in listed and not ind.is_wrong:
            continue
        sources = list(SOURCES[ind.kind])
        for source in rng.permutation(sources)[: 1 + int(rng.random() < 0.15)]:
            since = config.start_us - int(rng.integers(60, 30 * 1440)) * MIN
            until = None if rng.random() < 0.7 else since + 180 * US_PER_DAY
            for key, value in zip(
                rows,
                (
                    ind.kind,
                    ind.value,
                    ind.fraud_type,
                    str(source),
                    round(float(rng.uniform(0.6, 1.0)), 2),
                    since,
                    until,
                ),
                strict=True,
            ):
                rows[key].append(value)
    return events.make("indicators", np.zeros(len(rows["kind"]), dtype=np.int64), **rows)


def leads(
    rng: np.random.Generator,
    config: SimConfig,
    city: City,
    ops: list[Operation],
    targets: list[Target],
    visitors: list[Target],
) -> pa.Table:
    """Upstream leads: a share of engaged victims, some unknown phones and a few false leads."""
    engaged = [t for t in targets if t.stage != "contacted"]
    picked = [
        engaged[i]
        for i in sorted(rng.permutation(len(engaged))[: round(config.lead_coverage * len(engaged))])
    ]
    rows = [_lead(rng, config, city, ops, t) for t in picked]
    extra = max(1, round(15 * config.scale * config.days * config.fraud_multiplier))
    for t in [visitors[i] for i in sorted(rng.permutation(len(visitors))[:extra])]:
        rows.append(_lead(rng, config, city, ops, t, phone_only=True))
    targeted = {t.person for t in targets}
    for _ in range(max(1, round(4 * config.scale * config.days))):
        person = int(rng.integers(0, city.n_persons))
        if not city.is_visitor[person] and person not in targeted:
            rows.append(_false_lead(rng, config, city, person))
    rows = [r for r in rows if config.start_us <= _int(r["time"]) < config.end_us]
    rows.sort(key=lambda r: (r["time"], str(r["phone"]), str(r["id_number"])))
    return _lead_table(rng, config, rows)


def _int(value: object) -> int:
    return value if isinstance(value, int) else 0


def _lead(
    rng: np.random.Generator,
    config: SimConfig,
    city: City,
    ops: list[Operation],
    t: Target,
    phone_only: bool = False,
) -> dict[str, object]:
    when = (t.first_in_window or t.first_contact) + int(rng.integers(10, 121)) * MIN
    fraud_type = ops[t.op_index].fraud_type
    u = rng.random()
    return {
        "phone": None if (u < 0.1 and not phone_only) else int(city.phone[t.person]),
        "id_number": str(city.id_number[t.person]) if (u < 0.35 and not phone_only) else None,
        "fraud_type": fraud_type
        if rng.random() < 0.85
        else (None if rng.random() < 0.6 else "other"),
        "level": _level(rng, t, when).zh,
        "time": when,
        "narrative": texts.NARRATIVES[fraud_type] if rng.random() < 0.6 else None,
    }


def _level(rng: np.random.Generator, t: Target, when: int) -> Level:
    if t.stage == "would_lose" and t.loss_time is not None:
        return Level.EMERGENCY if t.loss_time - when < 3 * 60 * MIN else Level.HIGH
    if t.stage == "contacted":
        return Level.MEDIUM if rng.random() < 0.5 else Level.LOW
    return (Level.HIGH, Level.MEDIUM, Level.LOW)[int(rng.choice(3, p=[0.4, 0.45, 0.15]))]


def _false_lead(
    rng: np.random.Generator, config: SimConfig, city: City, person: int
) -> dict[str, object]:
    day = int(rng.integers(0, config.days))
    return {
        "phone": int(city.phone[person]),
        "id_number": None,
        "fraud_type": None,
        "level": (Level.LOW if rng.random() < 0.6 else Level.MEDIUM).zh,
        "time": config.start_us + day * US_PER_DAY + int(rng.integers(480, 1320)) * MIN,
        "narrative": "运营商研判：与疑似涉诈号码存在通话，请核实。",
    }


def _lead_table(
    rng: np.random.Generator, config: SimConfig, rows: list[dict[str, object]]
) -> pa.Table:
    units, numbers = [], []
    counter: dict[str, int] = {}
    for _ in rows:
        unit, prefix, _ = LEAD_UNITS[int(rng.choice(len(LEAD_UNITS), p=[u[2] for u in LEAD_UNITS]))]
        counter[prefix] = counter.get(prefix, 0) + 1
        units.append(unit)
        numbers.append(f"{prefix}预警〔{config.start.year}〕{counter[prefix]:06d}号")
    cols = {
        k: [r[k] for r in rows]
        for k in ("phone", "id_number", "fraud_type", "level", "time", "narrative")
    }
    return events.make(
        "leads",
        np.zeros(len(rows), dtype=np.int64),
        source_unit=units,
        instruction_no=numbers,
        **cols,
    )
