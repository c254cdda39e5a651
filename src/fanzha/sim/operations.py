"""Fraud operations: their numbers, devices, domains, apps and mule accounts.

Numbers are short-lived: each operation brings new numbers every day (active one to three
days). Kinds: ``virtual`` (170/171/165…), ``international`` (+855, +95, +63…), ``simbox``
(local mobiles in a SIM-box/GOIP: many SIMs share one IMEI and the device moves between cells
every hour) and ``local`` (a rented real-name local card in its own phone).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from fanzha.core.fraud_types import TEN_CODES
from fanzha.sim import phones
from fanzha.sim.config import SimConfig
from fanzha.sim.rand import rng_for

OPS_PER_TYPE = {
    "task_rebate": 4,
    "fake_investment": 3,
    "fake_shopping": 3,
    "fake_customer_service": 3,
    "fake_loan": 3,
    "fake_credit": 2,
    "impersonate_boss": 2,
    "impersonate_police": 3,
    "romance": 2,
    "game_trade": 2,
}
# number kinds per type: (virtual, international, simbox, local)
NUMBER_MIX = {
    "task_rebate": (0.3, 0.1, 0.6, 0.0),
    "fake_investment": (0.3, 0.4, 0.3, 0.0),
    "fake_shopping": (0.4, 0.1, 0.5, 0.0),
    "fake_customer_service": (0.5, 0.2, 0.3, 0.0),
    "fake_loan": (0.5, 0.1, 0.4, 0.0),
    "fake_credit": (0.5, 0.3, 0.2, 0.0),
    "impersonate_boss": (0.2, 0.0, 0.5, 0.3),
    "impersonate_police": (0.3, 0.5, 0.2, 0.0),
    "romance": (0.3, 0.4, 0.0, 0.3),
    "game_trade": (0.4, 0.0, 0.4, 0.2),
}
NUMBER_KINDS = ("virtual", "international", "simbox", "local")
_WORDS = {
    "task_rebate": ("jianzhi", "dianzan", "renwu", "fanli"),
    "fake_investment": ("licai", "gupiao", "jijin", "coin"),
    "fake_shopping": ("shop", "daigou", "piaowu", "mall"),
    "fake_customer_service": ("kefu", "tuikuan", "lipei", "baozhang"),
    "fake_loan": ("daikuan", "jiekuan", "edu", "xianjin"),
    "fake_credit": ("zhengxin", "credit", "xiaoyuan", "zhuxiao"),
    "impersonate_boss": ("office", "oa", "caiwu", "hr"),
    "impersonate_police": ("gaj", "jcy", "anquan", "qingcha"),
    "romance": ("yuehui", "love", "jiaoyou", "bocai"),
    "game_trade": ("youxi", "zhanghao", "pifu", "chongzhi"),
}
_TLDS = (".com", ".cc", ".top", ".vip", ".xyz", ".net", ".cn")
NEW_NUMBERS_PER_DAY = 4.0  # per operation at the calibration size (times fraud_multiplier**0.5)


@dataclass
class FraudNumber:
    """One number used by an operation."""

    key: int
    kind: str
    imei: str | None
    cell: int  # home cell index (moving devices start here)
    first_day: int  # active days relative to the window start (may be negative)
    last_day: int


@dataclass
class Operation:
    """A fraud operation of one type."""

    op_id: str
    fraud_type: str
    domains: list[str]
    urls: list[str]
    apps: list[str]
    mules: list[str]
    numbers: list[FraudNumber] = field(default_factory=list)
    devices: list[str] = field(default_factory=list)  # SIM-box IMEIs

    def active(self, day: int) -> list[FraudNumber]:
        """Numbers active on a day."""
        return [n for n in self.numbers if n.first_day <= day <= n.last_day]


class OperationFactory:
    """Builds operations and draws new numbers for them, deterministically."""

    def __init__(self, config: SimConfig, n_cells: int, taken: set[int]) -> None:
        self.rng = rng_for(config.seed, "operations")
        self.config = config
        self.n_cells = n_cells
        self.used = taken  # keys that must not be reused (residents' phones)

    def build(self, lookback: int) -> list[Operation]:
        """Every operation, with its daily numbers from ``-lookback`` to the last window day."""
        ops: list[Operation] = []
        scale = self.config.scale * min(self.config.fraud_multiplier, 50.0)
        for fraud_type in TEN_CODES:
            n_ops = max(
                1, min(3 * OPS_PER_TYPE[fraud_type], round(OPS_PER_TYPE[fraud_type] * scale))
            )
            for k in range(n_ops):
                ops.append(self._operation(fraud_type, f"OP-{fraud_type}-{k + 1:02d}"))
        rate = NEW_NUMBERS_PER_DAY * scale**0.5
        for op in ops:
            for day in range(-lookback, self.config.days):
                for _ in range(max(1, int(self.rng.poisson(rate)))):
                    op.numbers.append(self.new_number(op, day, day + int(self.rng.integers(0, 3))))
        return ops

    def _operation(self, fraud_type: str, op_id: str) -> Operation:
        r = self.rng
        words = _WORDS[fraud_type]
        domains = [
            words[int(r.integers(0, len(words)))]
            + str(int(r.integers(10, 9999)))
            + _TLDS[int(r.integers(0, len(_TLDS)))]
            for _ in range(int(r.integers(1, 4)))
        ]
        urls = [
            f"https://{sub}.{d}/{path}?id={int(r.integers(1000, 99999))}"
            for d in domains
            for sub, path in (("m", "index"), ("h5", "reg"))
        ]
        apps = [
            f"com.{words[i % len(words)]}{int(r.integers(1, 99))}.app"
            for i in range(int(r.integers(1, 3)))
        ]
        mules = [
            str(6228_0000_0000_0000_000 + int(r.integers(0, 10**15)))
            for _ in range(int(r.integers(3, 8)))
        ]
        return Operation(op_id, fraud_type, domains, urls, apps, mules)

    def new_number(
        self, op: Operation, first_day: int, last_day: int, kind: str | None = None
    ) -> FraudNumber:
        """A fresh number for an operation (kind drawn from the type's mix unless given)."""
        r = self.rng
        if kind is None:
            kind = NUMBER_KINDS[int(r.choice(4, p=np.array(NUMBER_MIX[op.fraud_type])))]
        while True:
            key = self._key(kind)
            if key not in self.used:
                self.used.add(key)
                break
        imei: str | None = None
        if kind == "simbox":
            if not op.devices or len(op.numbers) % 24 == 0:
                op.devices.append(str(867_000_000_000_000 + int(r.integers(0, 10**12))))
            imei = op.devices[-1]
        elif kind != "international":
            imei = str(865_000_000_000_000 + int(r.integers(0, 10**12)))
        home = (
            int(imei) % self.n_cells
            if kind == "simbox" and imei
            else int(r.integers(0, self.n_cells))
        )
        return FraudNumber(key, kind, imei, home, first_day, last_day)

    def _key(self, kind: str) -> int:
        if kind == "virtual":
            return int(phones.mobiles(self.rng, 1, phones.VIRTUAL_PREFIXES)[0])
        if kind == "international":
            return int(phones.international(self.rng, 1, phones.FRAUD_COUNTRIES)[0])
        return int(phones.mobiles(self.rng, 1)[0])


def cell_at(number: FraudNumber, time_us: int, n_cells: int) -> int:
    """Cell of a number's device at a time: SIM-boxes move every hour, phones stay near home."""
    if number.kind == "simbox":
        return (number.cell + (time_us // 3_600_000_000) * 37) % n_cells
    return number.cell
