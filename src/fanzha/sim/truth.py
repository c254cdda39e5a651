"""Ground truth: who was contacted by fraud, how far they went, and every fraud indicator."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from fanzha.sim.city import City
from fanzha.sim.cold import Contacts
from fanzha.sim.journeys import Target
from fanzha.sim.operations import Operation

STAGE_RANK = {"contacted": 0, "engaged": 1, "protected_self": 2, "would_lose": 3}


@dataclass(frozen=True)
class Indicator:
    """One fraud (or wrongly listed) indicator of the ground truth."""

    kind: str
    value: str
    fraud_type: str
    op_id: str
    number_kind: str = ""
    is_wrong: bool = False


def merge_targets(
    city: City, contacts: Contacts, journeys: list[Target], t0: int, t1: int
) -> list[Target]:
    """One target per registry resident: the most advanced stage, then the earliest contact."""
    best: dict[int, Target] = {}
    for t in journeys + _cold_targets(contacts, t0, t1):
        if city.is_visitor[t.person]:
            continue
        old = best.get(t.person)
        if old is None or (STAGE_RANK[t.stage], -t.first_contact) > (
            STAGE_RANK[old.stage],
            -old.first_contact,
        ):
            best[t.person] = t
    return [best[p] for p in sorted(best)]


def visitor_targets(city: City, contacts: Contacts, t0: int, t1: int) -> list[Target]:
    """Fraud contacts of persons who are not in the registry (for leads about unknown phones)."""
    return [t for t in _cold_targets(contacts, t0, t1) if city.is_visitor[t.person]]


def _cold_targets(contacts: Contacts, t0: int, t1: int) -> list[Target]:
    df = pd.DataFrame(
        {
            "person": contacts.person,
            "op": contacts.op_index,
            "number": contacts.number,
            "time": contacts.time,
        }
    )
    df = df[(df.time >= t0) & (df.time < t1)].sort_values(["time", "person"], kind="stable")
    if df.empty:
        return []
    first = df.groupby("person", sort=True).first()
    df = df[df.op.to_numpy() == first.loc[df.person, "op"].to_numpy()]
    numbers = df.groupby("person", sort=True).number.agg(lambda s: set(s.tolist()))
    return [
        Target(
            int(p),  # type: ignore[call-overload]
            int(row.op),
            int(row.time),
            "contacted",
            numbers[p],
            first_in_window=int(row.time),
        )
        for p, row in first.iterrows()
    ]


def used_numbers(fraud: dict[str, pa.Table], t0: int, t1: int) -> set[int]:
    """Phone keys that appear in fraud events inside the window."""
    keys: set[int] = set()
    for kind, cols in (
        ("calls", ("caller", "callee", "start")),
        ("sms", ("sender", "receiver", "time")),
    ):
        table = fraud[kind]
        times = table[cols[2]].cast(pa.int64()).to_numpy()
        inside = (times >= t0) & (times < t1)
        for col in cols[:2]:
            keys.update(np.unique(table[col].to_numpy(zero_copy_only=False)[inside]).tolist())
    return keys


def fraud_indicators(ops: list[Operation], used: set[int]) -> list[Indicator]:
    """Every fraud indicator: numbers seen in the window, URLs, domains, apps and mule accounts."""
    from fanzha.core.phone import display

    out: list[Indicator] = []
    for op in ops:
        seen: set[int] = set()
        for n in op.numbers:
            if n.key in used and n.key not in seen:
                seen.add(n.key)
                out.append(Indicator("phone", display(n.key), op.fraud_type, op.op_id, n.kind))
        out += [Indicator("url", u, op.fraud_type, op.op_id) for u in op.urls]
        out += [Indicator("domain", d, op.fraud_type, op.op_id) for d in op.domains]
        out += [Indicator("app", a, op.fraud_type, op.op_id) for a in op.apps]
        out += [Indicator("account", m, op.fraud_type, op.op_id) for m in op.mules]
    return out
