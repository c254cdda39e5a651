"""Fraud cases of the simulated history: reports, losses, payee accounts, stop/freeze/return.

Two kinds: warned people who were defrauded (one case each, linked to the warning, reported
within three days of it) and unwarned victims, spread over the history *and the year before
it* with a falling trend — so cases and losses come down year on year, as a centre hopes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from fanzha.sim import history_draws as draws

if TYPE_CHECKING:
    from fanzha.sim.history import City, HistoryConfig

_BANKS = ("工商银行", "农业银行", "建设银行", "中国银行", "交通银行", "邮储银行", "招商银行")
_HOUR = 3600


@dataclass
class CaseRows:
    """Rows for ``cases`` and ``case_accounts`` (accounts point at their case by index)."""

    cases: list[dict[str, Any]] = field(default_factory=list)
    accounts: list[dict[str, Any]] = field(default_factory=list)


def draw_cases(
    rng: np.random.Generator,
    config: HistoryConfig,
    city: City,
    start: dt.datetime,
    end: dt.datetime,
    victims: list[dict[str, Any]],
) -> CaseRows:
    """Cases of warned victims and of unwarned ones (the latter also in the previous year)."""
    from fanzha.sim.history import months_before

    base = months_before(start, 12)
    rows = CaseRows()
    for victim in victims:
        reported = start + dt.timedelta(seconds=victim["at"] + int(rng.integers(600, 3 * 86_400)))
        if reported <= end:
            _add_case(rows, rng, {**victim, "source_at": reported}, end)
    days = max((end - base).days, 1)
    wanted = round(config.residents * config.cases_per_resident_year * days / 365)
    unwarned = max(wanted - len(rows.cases), 0)
    times = draws.draw_times(rng, unwarned, days, base.weekday(), trend=-0.25)
    places = rng.choice(len(city.communities), size=unwarned, p=city.weights)
    types = rng.choice(len(draws.TYPES), size=unwarned, p=draws._TYPE_SHARES)
    losses = draws.draw_amounts(rng, types.astype(np.int64), 30_000)
    for k in range(unwarned):
        reported = base + dt.timedelta(seconds=int(times[k]))
        if reported > end:
            continue
        community, _, station = city.communities[int(places[k])]
        victim = {
            "warning_id": None,
            "resident_id": f"V{k:07d}",
            "phone": 8613700000000 + k,
            "community": community,
            "station": station,
            "fraud_type": draws.TYPES[int(types[k])],
            "loss_fen": int(losses[k]),
            "source_at": reported,
        }
        _add_case(rows, rng, victim, end)
    _renumber(rows)
    return rows


def _clip(at: dt.datetime | None, end: dt.datetime) -> dt.datetime | None:
    return at if at is not None and at <= end else None


def _add_case(
    rows: CaseRows, rng: np.random.Generator, victim: dict[str, Any], end: dt.datetime
) -> None:
    reported: dt.datetime = victim["source_at"]
    solved_at = _clip(reported + dt.timedelta(days=int(rng.integers(3, 120))), end)
    solved = solved_at is not None and rng.random() < 0.35
    index = len(rows.cases)
    rows.cases.append(
        {
            "case_no": "",  # numbered in report order by _renumber
            "reported_at": reported,
            "occurred_at": reported - dt.timedelta(hours=float(rng.uniform(0.5, 48))),
            "victim_resident_id": victim["resident_id"],
            "victim_phone": victim["phone"],
            "victim_age": int(np.clip(rng.normal(37, 13), 12, 90)),
            "community": victim["community"],
            "station": victim["station"],
            "fraud_type": victim["fraud_type"],
            "loss_fen": victim["loss_fen"],
            "solved": solved,
            "solved_at": solved_at if solved else None,
            "arrests": int(rng.poisson(1.8)) + 1 if solved else 0,
            "warning_id": victim["warning_id"],
            "source": "sim",
            "note": "模拟历史 simulated",
            "created_at": reported,
            "updated_at": reported,
            "version_id": 1,
        }
    )
    _add_accounts(rows, rng, index, victim["loss_fen"], reported, end)


def _add_accounts(
    rows: CaseRows,
    rng: np.random.Generator,
    index: int,
    loss: int,
    reported: dt.datetime,
    end: dt.datetime,
) -> None:
    n = int(rng.integers(1, 4))
    shares = rng.dirichlet(np.ones(n))
    for j in range(n):
        paid = int(loss * shares[j])
        stop = reported + dt.timedelta(minutes=float(rng.lognormal(np.log(20), 0.6)))
        filed = rng.random() < 0.75
        in_time = filed and stop <= reported + dt.timedelta(minutes=30)
        stopped = int(paid * rng.uniform(0.2, 0.7)) if in_time else int(paid * 0.05) if filed else 0
        frozen_at = _clip(stop + dt.timedelta(hours=float(rng.uniform(6, 48))), end)
        frozen = int(stopped * rng.uniform(0.6, 1.0)) if filed and frozen_at else 0
        returned_at = _clip(stop + dt.timedelta(days=float(rng.uniform(30, 75))), end)
        returned = int(frozen * rng.uniform(0.5, 1.0)) if frozen and returned_at else 0
        rows.accounts.append(
            {
                "case_index": index,
                "bank": _BANKS[int(rng.integers(len(_BANKS)))],
                "account": f"62{int(rng.integers(10**15, 10**16))}",
                "paid_fen": paid,
                "paid_at": reported - dt.timedelta(minutes=float(rng.uniform(5, 600))),
                "stop_requested_at": _clip(stop, end) if filed else None,
                "stopped_fen": stopped,
                "stop_expires_at": _clip(stop + dt.timedelta(hours=48), end) if filed else None,
                "frozen_at": frozen_at if frozen else None,
                "frozen_fen": frozen,
                "returned_at": returned_at if returned else None,
                "returned_fen": returned,
            }
        )


def _renumber(rows: CaseRows) -> None:
    """Sort cases by report time, number them in that order; accounts follow their case."""
    order = sorted(range(len(rows.cases)), key=lambda k: rows.cases[k]["reported_at"])
    new_index = {old: new for new, old in enumerate(order)}
    rows.cases = [rows.cases[old] for old in order]
    for k, case in enumerate(rows.cases):
        case["case_no"] = f"SIM{case['reported_at']:%Y%m%d}{k:06d}"
    for account in rows.accounts:
        account["case_index"] = new_index[account["case_index"]]
