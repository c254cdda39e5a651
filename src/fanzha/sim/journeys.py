"""Victim journeys: engaged residents walked through their type's script (few; plain Python).

Journeys start every day from before the window (long scripts such as investment and
romance run for days), so a one-day run already sees victims in every phase. Only events
inside the window are written; the ground truth keeps the true first contact.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

from fanzha.core.fraud_types import TEN_CODES
from fanzha.sim import events, phones, scripts, texts
from fanzha.sim.city import City, demographic_fit
from fanzha.sim.cold import TYPE_SHARE
from fanzha.sim.config import US_PER_DAY, US_PER_S, SimConfig
from fanzha.sim.operations import FraudNumber, Operation, OperationFactory, cell_at
from fanzha.sim.rand import pick_weighted, rng_for

MIN = 60 * US_PER_S
SCREEN_SHARING = (
    "us.zoom.videomeetings",
    "com.tencent.wemeet.app",
    "com.anydesk.anydeskandroid",
    "com.oray.sunlogin",
    "com.teamviewer.quicksupport.market",
)


@dataclass
class Target:
    """Ground truth of one resident's contact with one operation."""

    person: int
    op_index: int
    first_contact: int
    stage: str
    numbers: set[int]
    loss_time: int | None = None
    loss_amount: float = 0.0
    first_in_window: int | None = None


@dataclass
class Rows:
    """Event rows being collected, per kind and column."""

    data: dict[str, dict[str, list[Any]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(list))
    )

    def add(self, kind: str, owner: int, **values: Any) -> None:
        cols = self.data[kind]
        cols["_owner"].append(owner)
        for name, value in values.items():
            cols[name].append(value)

    def extend(self, other: Rows) -> None:
        for kind, cols in other.data.items():
            for name, values in cols.items():
                self.data[kind][name].extend(values)

    def times(self) -> list[int]:
        return [t for kind, cols in self.data.items() for t in cols[events.time_columns(kind)[0]]]

    def tables(self) -> dict[str, pa.Table]:
        out = {}
        for kind in events.EVENT_KINDS:
            cols = dict(self.data.get(kind, {}))
            owner = cols.pop("_owner", [])
            out[kind] = events.make(kind, np.array(owner, dtype=np.int64), **cols)
        return out


class JourneyBuilder:
    """Draws the journeys of a run."""

    def __init__(
        self, config: SimConfig, city: City, ops: list[Operation], factory: OperationFactory
    ) -> None:
        self.config, self.city, self.ops, self.factory = config, city, ops, factory
        self.rng = rng_for(config.seed, "journeys")
        self.rows = Rows()
        self.targets: list[Target] = []

    def run(self) -> tuple[dict[str, pa.Table], list[Target]]:
        """All journeys of all types."""
        c = self.config
        for fraud_type in TEN_CODES:
            weights = demographic_fit(self.city, fraud_type) ** 1.5 * ~self.city.is_visitor
            mine = [i for i, o in enumerate(self.ops) if o.fraud_type == fraud_type]
            mean = scripts.JOURNEYS_PER_DAY * TYPE_SHARE[fraud_type] * c.scale * c.fraud_multiplier
            for day in range(-scripts.span_days(fraud_type) - 1, c.days):
                for _ in range(int(self.rng.poisson(mean))):
                    victim = int(pick_weighted(self.rng, weights, 1)[0])
                    self._journey(mine[int(self.rng.integers(0, len(mine)))], victim, day)
        return self.rows.tables(), self.targets

    def _journey(self, op_index: int, victim: int, day: int) -> None:
        op = self.ops[op_index]
        rng = self.rng
        outcome = scripts.OUTCOMES[
            int(rng.choice(3, p=np.array([p for _, p in scripts.OUTCOMES])))
        ][0]
        steps = scripts.SCRIPTS[op.fraud_type]
        first_loss = scripts.first_loss_index(op.fraud_type)
        cut = (
            len(steps)
            if outcome == "would_lose"
            else int(rng.integers(min(2, first_loss), first_loss + 1))
        )
        start = self.config.start_us + day * US_PER_DAY + int(rng.integers(510, 1290)) * MIN
        active = op.active(day)
        hook = (
            active[int(rng.integers(0, len(active)))]
            if active
            else self.factory.new_number(op, day, day)
        )
        handler = self.factory.new_number(
            op, day, day + scripts.span_days(op.fraud_type), scripts.HANDLER_KIND.get(op.fraud_type)
        )
        op.numbers.append(handler)
        walk = _Walk(self, op, victim, hook, handler)
        t = start
        for gap_lo, gap_hi, action, arg in steps[:cut]:
            t += int(rng.integers(gap_lo, gap_hi + 1)) * MIN + int(rng.integers(0, 60)) * US_PER_S
            walk.step(t, action, arg)
        if outcome == "protected_self":
            walk.protect(t)
        self._keep(walk, op_index, victim, start, outcome)

    def _keep(self, walk: _Walk, op_index: int, victim: int, start: int, outcome: str) -> None:
        t0, t1 = self.config.start_us, self.config.end_us
        inside = [t for t in walk.rows.times() if t0 <= t < t1]
        if not inside:
            return
        loss = walk.loss_time
        if loss is not None and loss < t0:
            return  # already defrauded before the window: a past case, not a target
        if loss is not None and loss >= t1:
            outcome, loss = "engaged", None  # the loss would come after the window
        if loss is not None and not any(t0 <= t < loss for t in walk.contact_times):
            return  # no fraud contact visible before the loss inside the window
        target = Target(
            victim,
            op_index,
            start,
            outcome,
            walk.numbers,
            loss,
            walk.amount if loss else 0.0,
            min(inside),
        )
        self.targets.append(target)
        self.rows.extend(walk.rows)


class _Walk:
    """One victim's events, step by step."""

    def __init__(
        self, b: JourneyBuilder, op: Operation, victim: int, hook: FraudNumber, handler: FraudNumber
    ) -> None:
        self.b, self.op, self.victim, self.hook, self.handler = b, op, victim, hook, handler
        self.rows = Rows()
        self.numbers: set[int] = set()
        self.contact_times: list[int] = []
        self.loss_time: int | None = None
        self.amount = 0.0
        self.app: str | None = None
        city = b.city
        self.phone = int(city.phone[victim])
        self.account = str(city.account_str[victim])
        self.imei = str(city.imei[victim])
        self.cell = str(city.cells[int(city.home_cell(np.array([victim]), 70)[0])])
        self.mule = op.mules[int(b.rng.integers(0, len(op.mules)))]

    def _number(self) -> FraudNumber:
        return self.hook if not self.numbers else self.handler

    def step(self, t: int, action: str, arg: Any) -> None:
        getattr(self, f"_{action}")(t, arg)

    def _call_in(self, t: int, arg: tuple[int, int]) -> None:
        num = self._number()
        cell = (
            None
            if num.kind == "international"
            else str(self.b.city.cells[cell_at(num, t, len(self.b.city.cells))])
        )
        dur = int(self.b.rng.integers(arg[0], arg[1] + 1))
        self.rows.add(
            "calls",
            self.victim,
            caller=num.key,
            callee=self.phone,
            start=t,
            duration_s=dur,
            imei=num.imei,
            cell=cell,
        )
        self._contact(num, t)

    def _call_out(self, t: int, arg: tuple[int, int]) -> None:
        num = self._number()
        dur = int(self.b.rng.integers(arg[0], arg[1] + 1))
        self.rows.add(
            "calls",
            self.victim,
            caller=self.phone,
            callee=num.key,
            start=t,
            duration_s=dur,
            imei=self.imei,
            cell=self.cell,
        )
        self._contact(num, t)

    def _contact(self, num: FraudNumber, t: int) -> None:
        self.numbers.add(num.key)
        self.contact_times.append(t)

    def _sms(self, t: int, _: Any) -> None:
        num = self._number()
        url = self.op.urls[int(self.b.rng.integers(0, len(self.op.urls)))]
        text = texts.scam_text(self.b.rng, self.op.fraud_type, url)
        self.rows.add("sms", self.victim, sender=num.key, receiver=self.phone, time=t, text=text)
        self._contact(num, t)

    def _visit(self, t: int, _: Any) -> None:
        for k in range(int(self.b.rng.integers(1, 4))):
            url = self.op.urls[int(self.b.rng.integers(0, len(self.op.urls)))]
            self.rows.add(
                "url_visits", self.victim, phone=self.phone, time=t + k * 40 * US_PER_S, url=url
            )

    def _install(self, t: int, arg: str) -> None:
        pool = SCREEN_SHARING if arg == "remote" else tuple(self.op.apps)
        self.app = pool[int(self.b.rng.integers(0, len(pool)))]
        self.rows.add(
            "app_events", self.victim, phone=self.phone, time=t, package=self.app, event="install"
        )
        self.rows.add(
            "app_events",
            self.victim,
            phone=self.phone,
            time=t + 50 * US_PER_S,
            package=self.app,
            event="open",
        )

    def _pay(self, t: int, arg: tuple[int, int]) -> None:
        amount = float(round(self.b.rng.uniform(arg[0], arg[1]), -1 if arg[1] > 1000 else 0))
        channel = ("mobile_bank", "alipay", "wechat", "bank")[
            int(self.b.rng.choice(4, p=[0.45, 0.2, 0.15, 0.2]))
        ]
        self.rows.add(
            "transfers",
            self.victim,
            payer_phone=self.phone,
            payer_account=self.account,
            payee_account=self.mule,
            amount=amount,
            time=t,
            channel=channel,
        )
        self._lose(t, amount)

    def _withdraw(self, t: int, arg: tuple[int, int]) -> None:
        amount = float(int(self.b.rng.integers(arg[0] // 100, arg[1] // 100 + 1)) * 100)
        channel = "atm_withdrawal" if amount <= 20000 else "counter"
        self.rows.add(
            "transfers",
            self.victim,
            payer_phone=self.phone,
            payer_account=self.account,
            payee_account=None,
            amount=amount,
            time=t,
            channel=channel,
        )
        self._lose(t, amount)

    def _rebate(self, t: int, arg: tuple[int, int]) -> None:
        amount = float(round(self.b.rng.uniform(arg[0], arg[1]), 2))
        self.rows.add(
            "transfers",
            self.victim,
            payer_phone=None,
            payer_account=self.mule,
            payee_account=self.account,
            amount=amount,
            time=t,
            channel="bank",
        )

    def _lose(self, t: int, amount: float) -> None:
        self.loss_time = t if self.loss_time is None else self.loss_time
        self.amount += amount

    def protect(self, t: int) -> None:
        """The victim stops: sometimes calls the 96110 hotline, sometimes removes the app."""
        rng = self.b.rng
        if rng.random() < 0.3:
            self.rows.add(
                "calls",
                self.victim,
                caller=self.phone,
                callee=phones.ANTI_FRAUD_HOTLINE,
                start=t + int(rng.integers(5, 60)) * MIN,
                duration_s=int(rng.integers(60, 600)),
                imei=self.imei,
                cell=self.cell,
            )
        if self.app and rng.random() < 0.3:
            self.rows.add(
                "app_events",
                self.victim,
                phone=self.phone,
                time=t + int(rng.integers(10, 120)) * MIN,
                package=self.app,
                event="uninstall",
            )
