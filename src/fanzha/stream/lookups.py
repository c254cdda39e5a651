"""The tables the streamed signals look events up in, built with the batch plan's own SQL.

Blacklists (one row per key, the most confident entry), the resident registry, jurisdictions,
the fraud-number model's output, and two *profiles* that the batch derives from the whole data
set: numbers that behave like fraud lines and doubtful blacklist entries. A stream cannot see
the future, so the profiles are snapshots computed by the same SQL steps over the event store
(at start and on every refresh); given the same snapshot the streamed warnings equal the batch.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from dataclasses import dataclass, field, fields
from typing import Any, NamedTuple

import duckdb
import pyarrow as pa

from fanzha.detection.engines import TEXT_VERDICT_COLUMNS
from fanzha.detection.plan import (
    behaviour_numbers_step,
    clean_signals_step,
    doubtful_step,
    host_steps,
    indicator_steps,
    pair_first_step,
    raw_signals_step,
    signal_steps,
)
from fanzha.detection.rules.model import Rules
from fanzha.store.event_store import EventStore


class Entry(NamedTuple):
    """One blacklist entry as the signals use it."""

    key: str
    confidence: float
    fraud_type: str | None
    source: str | None
    valid_from: dt.datetime | None
    valid_to: dt.datetime | None

    def valid_at(self, t: dt.datetime) -> bool:
        """The entry applies at ``t``."""
        return (self.valid_from is None or self.valid_from <= t) and (
            self.valid_to is None or t <= self.valid_to
        )


@dataclass
class Lookups:
    """Everything a streamed event is joined with."""

    phones: dict[int, Entry] = field(default_factory=dict)
    domains: dict[str, Entry] = field(default_factory=dict)
    urls: dict[str, Entry] = field(default_factory=dict)
    url_hosts: set[str] = field(default_factory=set)
    apps: dict[str, Entry] = field(default_factory=dict)
    accounts: dict[str, Entry] = field(default_factory=dict)
    resident_of_phone: dict[int, str] = field(default_factory=dict)
    resident_ids: set[str] = field(default_factory=set)
    homes: dict[str, tuple[int | None, str | None]] = field(default_factory=dict)
    stations: dict[str, str] = field(default_factory=dict)
    behaviour_numbers: dict[int, list[str | None]] = field(default_factory=dict)
    suspected: dict[int, list[tuple[float, str | None]]] = field(default_factory=dict)
    doubtful: set[tuple[str, str]] = field(default_factory=set)
    resident_count: int = 0


def _entries(con: duckdb.DuckDBPyConnection, table: str, key: str) -> dict[Any, Entry]:
    # table and key are names of the plan's own steps, never input
    sql = f"SELECT {key}, confidence, fraud_type, source, valid_from, valid_to FROM {table}"  # noqa: S608
    rows = con.execute(sql).fetchall()
    return {r[0]: Entry(str(r[0]), float(r[1] or 0.0), r[2], r[3], r[4], r[5]) for r in rows}


def _empty_verdicts() -> pa.Table:
    types = {"VARCHAR": pa.string(), "DOUBLE": pa.float64()}
    schema = pa.schema([(n, types[t]) for n, t in TEXT_VERDICT_COLUMNS])
    return schema.empty_table()


def _materialise(con: duckdb.DuckDBPyConnection, rules: Rules) -> None:
    """Run the batch plan's steps up to the doubtful entries (texts play no part in them)."""
    con.register("text_verdicts", _empty_verdicts())
    steps = [*indicator_steps(), *host_steps(), pair_first_step(rules)]
    steps += [behaviour_numbers_step(rules), *signal_steps(rules)]
    steps += [raw_signals_step(), doubtful_step(rules), clean_signals_step()]
    for step in steps:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {step.name} AS {step.sql}")


def build_lookups(store: EventStore, rules: Rules, threads: int = 2) -> Lookups:
    """Lookups and profiles from the store, by the batch plan's SQL."""
    con = store.connect(threads=threads)
    try:
        _materialise(con, rules)
        return _read(con)
    finally:
        con.close()


def _read(con: duckdb.DuckDBPyConnection) -> Lookups:
    found = Lookups(
        phones=_entries(con, "ind_phone", "phone"),
        domains=_entries(con, "ind_domain", "domain"),
        urls=_entries(con, "ind_url", "url_key"),
        apps=_entries(con, "ind_app", "value"),
        accounts=_entries(con, "ind_account", "value"),
    )
    found.url_hosts = {r[0] for r in con.execute("SELECT url_host FROM ind_url").fetchall()}
    _read_residents(con, found)
    for phone, fraud_type in con.execute(
        "SELECT phone, fraud_type FROM behaviour_numbers"
    ).fetchall():
        found.behaviour_numbers.setdefault(int(phone), []).append(fraud_type)
    suspected = con.execute("SELECT phone, score, fraud_type FROM suspected_numbers").fetchall()
    grouped: dict[int, list[tuple[float, str | None]]] = defaultdict(list)
    for phone, score, fraud_type in suspected:
        grouped[int(phone)].append((float(score), fraud_type))
    found.suspected = dict(grouped)
    doubtful = con.execute("SELECT DISTINCT kind, indicator FROM doubtful_indicators").fetchall()
    found.doubtful = {(k, i) for k, i in doubtful}
    return found


def _read_residents(con: duckdb.DuckDBPyConnection, found: Lookups) -> None:
    by_phone = con.execute(
        "SELECT phone, min(resident_id) FROM residents WHERE phone IS NOT NULL GROUP BY phone"
    ).fetchall()
    found.resident_of_phone = {int(p): r for p, r in by_phone}
    homes = con.execute(
        "SELECT resident_id, min(phone), min(community) FROM residents GROUP BY resident_id"
    ).fetchall()
    found.homes = {r: (p, c) for r, p, c in homes if r is not None}
    found.resident_ids = set(found.homes)
    found.resident_count = len(found.resident_ids)
    rows = con.execute("SELECT community, station FROM jurisdictions").fetchall()
    found.stations = {c: s for c, s in rows if c is not None}


def _canonical(value: object) -> list[str]:
    """A table's items as sorted text, independent of the order DuckDB returned rows in."""
    if isinstance(value, dict):
        return sorted(f"{k!r}={_canonical_value(v)}" for k, v in value.items())
    if isinstance(value, set | frozenset):
        return sorted(repr(v) for v in value)
    return [repr(value)]


def _canonical_value(value: object) -> str:
    if isinstance(value, list):  # several entries per key: their order carries no meaning
        return repr(sorted(repr(v) for v in value))
    return repr(value)


def lookups_digest(lookups: Lookups) -> str:
    """The content's version: equal for equal lookups, however often they are rebuilt."""
    digest = hashlib.sha256()
    for f in fields(Lookups):
        digest.update(f"\x00{f.name}\x00".encode())
        for item in _canonical(getattr(lookups, f.name)):
            digest.update(item.encode())
            digest.update(b"\x01")
    return digest.hexdigest()[:32]


def lookups_changes(old: Lookups, new: Lookups) -> dict[str, int]:
    """How many entries each table gained, lost or changed (counts only: no entry itself).

    An entry added, removed or changed (same key, other value) counts once.
    """
    counts: dict[str, int] = {}
    for f in fields(Lookups):
        if f.name == "resident_count":
            continue
        before, after = getattr(old, f.name), getattr(new, f.name)
        if isinstance(before, dict):
            added = after.keys() - before.keys()
            removed = before.keys() - after.keys()
            changed = sum(
                1
                for k in before.keys() & after.keys()
                if _canonical_value(before[k]) != _canonical_value(after[k])
            )
            n = len(added) + len(removed) + changed
        else:
            n = len(set(_canonical(before)) ^ set(_canonical(after)))
        if n:
            counts[f.name] = n
    return counts
