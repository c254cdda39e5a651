"""Months of simulated desk history for an N-resident city, written into the workflow store.

For dashboards, reports and benchmarks: stations and communities, warnings (levels, types,
sources, rules, times with a daily and weekly rhythm), their handling (sign-for, calls, SMS,
visits within or past the SLA limits), outcomes (mostly 及时劝阻/自主防范, some 不符, a few
已被骗 with losses) and fraud cases with payee accounts (stop-payment, freeze, return, solved,
arrests) — cases also for the year before, so year-on-year comparisons have a base.

Deterministic by seed. Rows are written with bulk Core inserts (``executemany``), not ORM
objects. Everything it writes is marked — warnings ``rules_version='sim-history'`` and
``engine='sim'``, cases ``source='sim'`` — so the UI can label it and ``replace`` can remove it.

This module writes the workflow tables directly (``sim`` → ``workflow`` models): it plays the
desk's past, not the raw data of :mod:`fanzha.sim.engine`.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import Connection, Engine, Table, delete, func, insert, select, text

from fanzha.core.warning_record import SIM_RULES_VERSION
from fanzha.errors import ConflictError
from fanzha.sim import history_draws as draws
from fanzha.sim.history_cases import CaseRows, draw_cases
from fanzha.workflow.action.models import Action
from fanzha.workflow.case.models import Case, CaseAccount
from fanzha.workflow.clock import local_now
from fanzha.workflow.outcome.models import CATEGORIES, Category, Outcome
from fanzha.workflow.station.models import Community, Station
from fanzha.workflow.warning.models import EarlyWarning, LevelStep, Reason, WarningStatus

SIM_ENGINE = "sim"
SIM_CASE_SOURCE = "sim"
CHUNK = 10_000
_STATION_NAMES = (
    "城关", "东城", "西城", "南关", "北关", "新区", "开发区", "高新", "江滨", "河西",
    "站前", "滨湖", "桥东", "桥西", "湖滨", "文化路", "建设路", "人民路", "解放路", "工业园",
    "大学城", "港口", "机场", "新城", "古城", "花园", "长安", "和平", "胜利", "光明",
)  # fmt: skip


@dataclass(frozen=True)
class HistoryConfig:
    """What to simulate. ``end`` defaults to now; the history covers ``months`` before it."""

    residents: int = 100_000
    months: int = 12
    seed: int = 1
    end: dt.datetime | None = None
    warnings_per_resident_year: float = 0.25
    cases_per_resident_year: float = 0.0025
    residents_per_station: int = 40_000


@dataclass
class HistorySummary:
    """What was written."""

    start: dt.datetime
    end: dt.datetime
    stations: int = 0
    warnings: int = 0
    actions: int = 0
    outcomes: int = 0
    cases: int = 0
    accounts: int = 0
    seconds: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)


def months_before(end: dt.datetime, months: int) -> dt.datetime:
    """``end`` moved back by calendar months (day clipped to 28 where needed)."""
    index = end.year * 12 + end.month - 1 - months
    return end.replace(year=index // 12, month=index % 12 + 1, day=min(end.day, 28))


@dataclass(frozen=True)
class City:
    """Stations and their communities, with how much of the city each community holds."""

    stations: list[tuple[str, str]]
    communities: list[tuple[str, str, str]]  # code, name, station code
    weights: draws.F64


def build_city(config: HistoryConfig, rng: np.random.Generator) -> City:
    """One station per ``residents_per_station`` (at least 3), 8 communities each."""
    n = max(3, round(config.residents / config.residents_per_station))
    stations = [
        (f"S{i + 1:02d}", f"{_STATION_NAMES[i % len(_STATION_NAMES)]}派出所") for i in range(n)
    ]
    communities = [
        (f"{code}C{j + 1:02d}", f"{name.removesuffix('派出所')}第{j + 1}社区", code)
        for code, name in stations
        for j in range(8)
    ]
    weights = rng.lognormal(0.0, 0.5, size=len(communities))
    return City(stations, communities, weights / weights.sum())


def existing_city(conn: Connection, rng: np.random.Generator) -> City | None:
    """The stations and communities already in the store (e.g. the demo's), if any."""
    rows = conn.execute(
        select(Community.code, Community.name, Community.station_code, Station.name)
        .join(Station, Station.code == Community.station_code)
        .where(Station.active.is_(True))
        .order_by(Community.code)
    ).all()
    if not rows:
        return None
    stations = sorted({(r[2], r[3]) for r in rows})
    communities = [(r[0], r[1], r[2]) for r in rows]
    weights = rng.lognormal(0.0, 0.5, size=len(communities))
    return City(stations, communities, weights / weights.sum())


def simulate_history(
    engine: Engine, config: HistoryConfig, *, replace: bool = False
) -> HistorySummary:
    """Write the history; :class:`ConflictError` if one is there and ``replace`` is false."""
    started = time.perf_counter()
    end = (config.end or local_now()).replace(microsecond=0)
    # midnight: drawn times are offsets from the start, so hours of day stay hours of day
    start = months_before(end, config.months).replace(hour=0, minute=0, second=0)
    summary = HistorySummary(start=start, end=end)
    rng = np.random.default_rng(config.seed)
    with engine.begin() as conn:
        _clear_or_refuse(conn, replace)
        city = existing_city(conn, rng) or build_city(config, rng)
        summary.stations = _write_city(conn, city)
        first_id = int(conn.scalar(select(func.coalesce(func.max(EarlyWarning.id), 0))) or 0) + 1
        warnings = _WarningBatch.draw(rng, config, city, start, end, first_id)
        summary.warnings = _insert(conn, _table(EarlyWarning), warnings.warning_rows())
        summary.actions = _insert(conn, _table(Action), warnings.action_rows())
        summary.outcomes = _insert(conn, _table(Outcome), warnings.outcome_rows())
        cases = draw_cases(rng, config, city, start, end, warnings.victims())
        summary.cases, summary.accounts = _write_cases(conn, cases)
        _advance_sequences(conn)
    _analyze(engine)
    summary.seconds = time.perf_counter() - started
    return summary


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table


def _clear_or_refuse(conn: Connection, replace: bool) -> None:
    present = conn.scalar(
        select(func.count())
        .select_from(EarlyWarning)
        .where(EarlyWarning.rules_version == SIM_RULES_VERSION)
    )
    if not present:
        return
    if not replace:
        raise ConflictError(
            "the store already holds a simulated history; pass --replace to rebuild it",
            warnings=present,
        )
    sim = select(EarlyWarning.id).where(EarlyWarning.rules_version == SIM_RULES_VERSION)
    sim_cases = select(Case.id).where(Case.source == SIM_CASE_SOURCE)
    conn.execute(delete(CaseAccount).where(CaseAccount.case_id.in_(sim_cases)))
    conn.execute(delete(Case).where(Case.source == SIM_CASE_SOURCE))
    conn.execute(delete(Action).where(Action.warning_id.in_(sim)))
    conn.execute(delete(Outcome).where(Outcome.warning_id.in_(sim)))
    conn.execute(delete(EarlyWarning).where(EarlyWarning.rules_version == SIM_RULES_VERSION))


def _write_city(conn: Connection, city: City) -> int:
    known = set(conn.scalars(select(Station.code)))
    rows = [{"code": c, "name": n, "active": True} for c, n in city.stations if c not in known]
    if rows:
        conn.execute(insert(Station), rows)
    known_c = set(conn.scalars(select(Community.code)))
    crow = [
        {"code": c, "name": n, "station_code": s}
        for c, n, s in city.communities
        if c not in known_c
    ]
    if crow:
        conn.execute(insert(Community), crow)
    return len(city.stations)


def _insert(conn: Connection, table: Table, rows: Iterator[dict[str, Any]]) -> int:
    count = 0
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == CHUNK:
            conn.execute(insert(table), batch)
            count, batch = count + len(batch), []
    if batch:
        conn.execute(insert(table), batch)
        count += len(batch)
    return count


def _write_cases(conn: Connection, cases: CaseRows) -> tuple[int, int]:
    first = int(conn.scalar(select(func.coalesce(func.max(Case.id), 0))) or 0) + 1
    for offset, row in enumerate(cases.cases):
        row["id"] = first + offset
    for row in cases.accounts:
        row["case_id"] = first + row.pop("case_index")
    return _insert(conn, _table(Case), iter(cases.cases)), _insert(
        conn, _table(CaseAccount), iter(cases.accounts)
    )


def _advance_sequences(conn: Connection) -> None:
    """PostgreSQL: explicit ids were written, so move the id sequences past them."""
    if conn.dialect.name != "postgresql":
        return
    for model in (EarlyWarning, Action, Outcome, Case, CaseAccount):
        table = _table(model)
        next_id = int(conn.scalar(select(func.coalesce(func.max(table.c.id), 0))) or 0) + 1
        conn.execute(
            text("SELECT setval(pg_get_serial_sequence(:t, 'id'), :v, false)"),
            {"t": table.name, "v": next_id},
        )


def _analyze(engine: Engine) -> None:
    """PostgreSQL: refresh the planner's statistics after the bulk load.

    Without it the first queries after a load plan with the empty tables' estimates until
    autovacuum gets round to them: the monthly report took 113 s instead of seconds.
    """
    if engine.dialect.name != "postgresql":
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for model in (EarlyWarning, Action, Outcome, Case, CaseAccount):
            conn.execute(text(f"ANALYZE {_table(model).name}"))


def _status(*stages: dt.datetime | None) -> WarningStatus:
    """The desk status from the last stage reached: closed, contacted or signed."""
    reached = (WarningStatus.CLOSED, WarningStatus.IN_PROGRESS, WarningStatus.SIGNED)
    for stage, status in zip(stages, reached, strict=True):
        if stage is not None:
            return status
    return WarningStatus.ROUTED


class _WarningBatch:
    """The drawn warnings of the history and the rows they become."""

    def __init__(
        self,
        leads: draws.Leads,
        handling: draws.Handling,
        places: draws.I64,
        residents: draws.I64,
        extra: dict[str, Any],
    ) -> None:
        self.leads, self.handling = leads, handling
        self.places, self.residents = places, residents
        self.city: City = extra["city"]
        self.start: dt.datetime = extra["start"]
        self.cutoff: int = extra["cutoff"]
        self.first_id: int = extra["first_id"]
        self.saved: draws.I64 = extra["saved"]
        self.lost: draws.I64 = extra["lost"]
        self.extra_calls: draws.BOOL = extra["extra_calls"]
        self.sms: draws.BOOL = extra["sms"]

    @classmethod
    def draw(
        cls,
        rng: np.random.Generator,
        config: HistoryConfig,
        city: City,
        start: dt.datetime,
        end: dt.datetime,
        first_id: int,
    ) -> _WarningBatch:
        days = max((end - start).days, 1)
        n = round(config.residents * config.warnings_per_resident_year * days / 365)
        at = draws.draw_times(rng, n, days, start.weekday(), trend=0.15)
        cutoff = int((end - start).total_seconds())
        at = at[at <= cutoff]
        leads = draws.draw_leads(rng, at)
        handling = draws.draw_handling(rng, leads)
        places = rng.choice(len(city.communities), size=len(at), p=city.weights).astype(np.int64)
        residents = rng.integers(0, config.residents, size=len(at))
        extra = {
            "city": city,
            "start": start,
            "cutoff": cutoff,
            "first_id": first_id,
            "saved": np.where(
                rng.random(len(at)) < 0.35, draws.draw_amounts(rng, leads.type_index, 8000), 0
            ),
            "lost": draws.draw_amounts(rng, leads.type_index, 30_000),
            "extra_calls": rng.random(len(at)) < 0.35,
            "sms": rng.random(len(at)) < 0.3,
        }
        return cls(leads, handling, places, residents, extra)

    def _time(self, seconds: int) -> dt.datetime | None:
        if seconds == draws.NEVER or seconds > self.cutoff:
            return None
        return self.start + dt.timedelta(seconds=int(seconds))

    def _resident(self, i: int) -> str:
        return f"H{int(self.residents[i]):07d}"

    def warning_rows(self) -> Iterator[dict[str, Any]]:
        for i in range(len(self.leads.at)):
            yield self._warning_row(i)

    def _warning_row(self, i: int) -> dict[str, Any]:
        h, lead = self.handling, self.leads
        warned = self._time(int(lead.at[i]))
        assert warned is not None
        community, _, station = self.city.communities[int(self.places[i])]
        level, ftype = int(lead.level[i]), draws.TYPES[int(lead.type_index[i])]
        closed = self._time(int(h.closed[i]))
        signed, contacted = self._time(int(h.signed[i])), self._time(int(h.contacted[i]))
        visited = self._time(int(h.visited[i]))
        breached = self._time(int(h.breached[i]))
        routed = self._time(int(h.routed[i])) or warned
        status = _status(closed, contacted, signed)
        return {
            "id": self.first_id + i,
            "resident_id": self._resident(i),
            # 86 + an 11-digit number in the 139 range; masked wherever shown
            "phone": 8613900000000 + int(self.residents[i]),
            "community": community,
            "station": station,
            "episode_start": warned - dt.timedelta(minutes=10),
            "warned_at": warned,
            "last_signal_at": warned,
            "level": level,
            "level_history": [LevelStep(level=level, at=warned)],
            "fraud_type": ftype,
            "score": float(2.0 + 2.0 * level),
            "reasons": [
                Reason(
                    kind=k, time=warned, weight=3.0, fraud_type=ftype, evidence="模拟历史 simulated"
                )
                for k in lead.rules[i]
            ],
            "n_signals": len(lead.rules[i]),
            "rules_version": SIM_RULES_VERSION,
            "engine": SIM_ENGINE,
            "source": draws.SOURCES[int(lead.source_index[i])],
            "status": status.value,
            "created_at": warned,
            "updated_at": closed or warned,
            "version_id": 1,
            "is_open": status.is_open,
            "routed_at": routed,
            "sla_level": level,
            "signed_at": signed,
            "contacted_at": contacted,
            "visited_at": visited,
            "due_at": None if closed else routed + dt.timedelta(days=1),
            "due_stage": None if closed else "contact" if signed else "sign",
            "breached_at": breached,
            "escalated_stage": h.breach_stage[i] if breached else None,
            "closed_at": closed,
            "outcome": h.outcome[i] if closed else None,
        }

    def action_rows(self) -> Iterator[dict[str, Any]]:
        h = self.handling
        for i in range(len(self.leads.at)):
            wid, actor = self.first_id + i, self._actor(i)
            steps: list[tuple[str, int, str | None]] = [("sign", int(h.signed[i]), None)]
            if self.extra_calls[i]:
                steps.append(("call", (int(h.signed[i]) + int(h.contacted[i])) // 2, "no_answer"))
            if self.sms[i]:
                steps.append(("sms", int(h.contacted[i]) - 30, None))
            steps.append(("call", int(h.contacted[i]), "reached"))
            steps.append(("visit", int(h.visited[i]), "met"))
            steps.append(("escalate", int(h.breached[i]), h.breach_stage[i]))
            for kind, seconds, result in steps:
                at = self._time(seconds)
                if at is not None:
                    yield {"warning_id": wid, "kind": kind, "at": at, "actor": actor,
                           "result": result, "note": "", "details": {}}  # fmt: skip

    def _actor(self, i: int) -> str:
        station = self.city.communities[int(self.places[i])][2]
        return f"sim:{station}-{int(self.residents[i]) % 4 + 1}"

    def outcome_rows(self) -> Iterator[dict[str, Any]]:
        h = self.handling
        for i in range(len(self.leads.at)):
            early, contacted = h.early_outcome[i], self._time(int(h.contacted[i]))
            if early and contacted is not None:
                yield self._outcome(i, early, contacted - dt.timedelta(minutes=20))
            closed = self._time(int(h.closed[i]))
            if closed is not None:
                yield self._outcome(i, h.outcome[i], closed)

    def _outcome(self, i: int, category: str, at: dt.datetime) -> dict[str, Any]:
        info = CATEGORIES[Category(category)]
        confirmed = info.needs_confirmation
        return {
            "warning_id": self.first_id + i,
            "category": category,
            "final": info.final,
            "amount_lost_fen": int(self.lost[i]) if category == "defrauded" else 0,
            "amount_saved_fen": int(self.saved[i]) if confirmed and category != "defrauded" else 0,
            "confirmed_level": int(self.leads.level[i]) if confirmed else None,
            "confirmed_type": draws.TYPES[int(self.leads.type_index[i])] if confirmed else None,
            "note": "" if confirmed else "模拟 simulated",
            "at": at,
            "actor": self._actor(i),
            "user_id": None,
        }

    def victims(self) -> list[dict[str, Any]]:
        """Warned people who were (or will be) defrauded: each becomes a reported case."""
        found = []
        for i in range(len(self.leads.at)):
            if self.handling.outcome[i] == "defrauded":
                community, _, station = self.city.communities[int(self.places[i])]
                found.append(
                    {
                        "warning_id": self.first_id + i,
                        "resident_id": self._resident(i),
                        "phone": 8613900000000 + int(self.residents[i]),
                        "community": community,
                        "station": station,
                        "fraud_type": draws.TYPES[int(self.leads.type_index[i])],
                        "at": int(self.leads.at[i]),
                        "loss_fen": int(self.lost[i]),
                    }
                )
        return found
