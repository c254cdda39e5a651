"""Simulated case reports (``DIR/cases.csv``): what the victims the desk did not save report.

For every resident whose journey reached a payment to a fraud (mule) account inside the
window, one case in the import format of ``docs/cases.md``: the loss is the sum of those
transfers, the first-level payee accounts are those mule accounts, and the report comes some
hours after the last payment. Then what a centre typically achieves: a stop-payment on most
accounts (mostly within 30 minutes), part of the money frozen, some of it returned, a few
cases solved with arrests. Deterministic by seed, from its own random stream, so the other
outputs of a run are byte-identical with or without it.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa

from fanzha.core import fraud_types
from fanzha.core.phone import display
from fanzha.sim import names
from fanzha.sim.city import City
from fanzha.sim.config import US_PER_S, SimConfig, format_time
from fanzha.sim.events import OWNER
from fanzha.sim.journeys import Target
from fanzha.sim.operations import Operation

__all__ = ["CASE_HEADER", "case_rows", "write_cases"]

_STREAM = 1001  # this module's random stream (apart from every fanzha.sim.rand component)
_MIN = 60 * US_PER_S
_HOUR = 60 * _MIN
_DAY = 24 * _HOUR
BANKS = (
    "工商银行",
    "农业银行",
    "中国银行",
    "建设银行",
    "交通银行",
    "邮储银行",
    "招商银行",
    "农商银行",
)
CASE_HEADER = (
    "case_no",
    "reported_at",
    "occurred_at",
    "phone",
    "id_number",
    "community",
    "fraud_type",
    "loss",
    "solved",
    "solved_at",
    "arrests",
    "bank",
    "account",
    "paid",
    "paid_at",
    "stop_at",
    "stopped",
    "frozen_at",
    "frozen",
    "returned_at",
    "returned",
)


@dataclass
class _Payee:
    paid_fen: int = 0
    first: int = 0
    last: int = 0


@dataclass
class _Victim:
    target: Target
    payees: dict[str, _Payee] = field(default_factory=dict)


def _payments(
    transfers: pa.Table, targets: list[Target], ops: list[Operation], t1: int
) -> list[_Victim]:
    """Each would-be victim's transfers into their operation's mule accounts before ``t1``."""
    wanted = {t.person: _Victim(t) for t in targets if t.loss_time is not None}
    owner = transfers[OWNER].to_numpy()
    payee = transfers["payee_account"].to_pylist()
    amount = transfers["amount"].to_numpy(zero_copy_only=False)
    times = transfers["time"].cast(pa.int64()).to_numpy()
    for i in np.flatnonzero(np.isin(owner, np.array(sorted(wanted), dtype=np.int64))):
        victim = wanted[int(owner[i])]
        mules = ops[victim.target.op_index].mules
        t = int(times[i])
        if payee[i] not in mules or t >= t1 or t < (victim.target.loss_time or 0):
            continue
        p = victim.payees.setdefault(str(payee[i]), _Payee(first=t, last=t))
        p.paid_fen += round(float(amount[i]) * 100)
        p.first, p.last = min(p.first, t), max(p.last, t)
    return [v for _, v in sorted(wanted.items()) if v.payees]


def _yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def _when(us: int | None) -> str:
    return format_time(us) if us is not None else ""


def _account_trail(rng: np.random.Generator, reported: int, paid: int) -> list[str]:
    """stop_at, stopped, frozen_at, frozen, returned_at, returned (text; empty when none)."""
    if rng.random() >= 0.7:
        return [""] * 6
    on_time = rng.random() < 0.7
    stop = reported + int(rng.integers(3, 31) if on_time else rng.integers(31, 360)) * _MIN
    held = int(paid * (rng.uniform(0.3, 0.95) if on_time else rng.uniform(0.0, 0.4)))
    if held == 0 or rng.random() >= 0.85:
        return [_when(stop), _yuan(held), "", "", "", ""]
    frozen_at = stop + int(rng.integers(2, 40)) * _HOUR
    if rng.random() >= 0.5:
        return [_when(stop), _yuan(held), _when(frozen_at), _yuan(held), "", ""]
    returned_at = frozen_at + int(rng.integers(5, 31)) * _DAY
    returned = int(held * rng.uniform(0.6, 1.0))
    return [
        _when(stop),
        _yuan(held),
        _when(frozen_at),
        _yuan(held),
        _when(returned_at),
        _yuan(returned),
    ]


def _case_head(
    rng: np.random.Generator, city: City, ops: list[Operation], v: _Victim, n: int
) -> tuple[list[str], int]:
    person = v.target.person
    first = min(p.first for p in v.payees.values())
    last = max(p.last for p in v.payees.values())
    reported = last + int(_HOUR + min(rng.exponential(6.0), 72.0) * _HOUR)
    loss = sum(p.paid_fen for p in v.payees.values())
    solved = rng.random() < 0.2
    solved_at = reported + int(rng.integers(3, 61)) * _DAY if solved else None
    id_number = str(city.id_number[person]) if rng.random() < 0.5 else ""
    head = [
        f"SIM{n:06d}",
        _when(reported),
        _when(first),
        display(int(city.phone[person])),
        id_number,
        names.community_code(int(city.community[person])),
        fraud_types.BY_CODE[ops[v.target.op_index].fraud_type].zh,
        _yuan(loss),
        "是" if solved else "否",
        _when(solved_at),
        str(int(rng.integers(1, 7))) if solved else "0",
    ]
    return head, reported


def case_rows(
    config: SimConfig, city: City, ops: list[Operation], targets: list[Target], transfers: pa.Table
) -> list[list[str]]:
    """The rows of ``cases.csv`` (one per payee account), in a stable order."""
    rng = np.random.default_rng([config.seed, _STREAM])
    rows: list[list[str]] = []
    for n, victim in enumerate(_payments(transfers, targets, ops, config.end_us), start=1):
        head, reported = _case_head(rng, city, ops, victim, n)
        for account, p in sorted(victim.payees.items()):
            bank = BANKS[int(rng.integers(0, len(BANKS)))]
            trail = _account_trail(rng, reported, p.paid_fen)
            rows.append([*head, bank, account, _yuan(p.paid_fen), _when(p.first), *trail])
    return rows


def write_cases(
    config: SimConfig,
    out: Path,
    city: City,
    ops: list[Operation],
    targets: list[Target],
    transfers: pa.Table,
) -> int:
    """Write ``DIR/cases.csv`` (in the run's CSV encoding); returns the number of cases."""
    rows = case_rows(config, city, ops, targets, transfers)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CASE_HEADER)
    writer.writerows(rows)
    (out / "cases.csv").write_bytes(buffer.getvalue().encode(config.csv_encoding))
    return len({r[0] for r in rows})
