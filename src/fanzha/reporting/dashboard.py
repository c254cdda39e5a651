"""The leadership dashboard's data: KPI tiles with 同比/环比, trends, breakdowns, heat maps.

Every figure comes from :mod:`fanzha.reporting.metrics` (one definition of each rate) except
the hour × weekday heat map, which metrics does not offer and is queried here. Each function
returns plain JSON-ready data for one chart and its table; :class:`DashboardCache` keeps the
answers per query until the data version (a few index probes) changes or a minute passes.
"""

from __future__ import annotations

import datetime as dt
import logging
import queue
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Integer, cast, extract, func, select
from sqlalchemy.orm import Session, sessionmaker

from fanzha.core.warning_record import SIM_RULES_VERSION
from fanzha.reporting import metrics, periods
from fanzha.reporting.config import MetricsConfig
from fanzha.reporting.figures import Filters, Rate, Row, Summary
from fanzha.reporting.periods import Grain, Period
from fanzha.reporting.queries import type_matches
from fanzha.workflow.action.models import Action
from fanzha.workflow.campaign.models import PublicityEvent
from fanzha.workflow.case.models import Case, CaseAccount
from fanzha.workflow.outcome.models import Outcome
from fanzha.workflow.volunteer.models import Volunteer
from fanzha.workflow.warning.models import EarlyWarning

logger = logging.getLogger(__name__)
CHOICES = ("this_month", "last_month", "this_year", "custom")
BREAKDOWNS = {"type": "fraud_type", "source": "source", "level": "level"}


@dataclass(frozen=True)
class DashboardQuery:
    """What the leader asked for: a period (by choice or custom dates) and filters."""

    choice: str
    period: Period
    station: str | None = None
    fraud_type: str | None = None

    @property
    def filters(self) -> Filters:
        """The metrics filters of this query."""
        return Filters(station=self.station, fraud_type=self.fraud_type)

    @property
    def key(self) -> tuple[str, str, str, str]:
        """A hashable key for caches."""
        p = self.period
        return (p.start.isoformat(), p.end.isoformat(), self.station or "", self.fraud_type or "")


def parse_query(
    params: Mapping[str, str], today: dt.date, forced_station: str | None = None
) -> DashboardQuery:
    """Read ``period``/``from``/``to``/``station``/``type``; bad dates fall back to this month.

    ``forced_station`` (a station-scoped user) overrides the station filter.
    """
    choice = params.get("period") or "this_month"
    choice = choice if choice in CHOICES else "this_month"
    period = _period(choice, params, today)
    if period is None:
        choice, period = "this_month", periods.month(today.year, today.month)
    station = forced_station or (params.get("station") or None)
    return DashboardQuery(choice, period, station, params.get("type") or None)


def _period(choice: str, params: Mapping[str, str], today: dt.date) -> Period | None:
    if choice == "last_month":
        return periods.previous(periods.month(today.year, today.month))
    if choice == "this_year":
        return periods.year(today.year)
    if choice == "custom":
        try:
            first = dt.date.fromisoformat(params.get("from", ""))
            last = dt.date.fromisoformat(params.get("to", ""))
            return periods.custom(first, last) if first <= last else None
        except ValueError:
            return None
    return periods.month(today.year, today.month)


# --- KPI tiles ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Tile:
    """One KPI: how to read it from a summary, its kind and which way is good."""

    key: str
    read: Callable[[Summary], float | Rate | None]
    kind: str  # count / rate / money
    up_good: bool | None


TILES = (
    Tile("warnings", lambda s: s.warnings.issued, "count", None),
    Tile("accuracy", lambda s: s.warnings.accuracy, "rate", True),
    Tile("success", lambda s: s.warnings.success, "rate", True),
    Tile("on_time", lambda s: s.warnings.on_time, "rate", True),
    Tile("face_to_face", lambda s: s.warnings.face_to_face, "rate", True),
    Tile("victimisation", lambda s: s.warnings.victimisation, "rate", False),
    Tile("cases", lambda s: s.cases.cases, "count", False),
    Tile("losses", lambda s: s.cases.loss_fen, "money", False),
    Tile("solved", lambda s: s.cases.solved, "count", True),
    Tile("arrests", lambda s: s.cases.arrests, "count", True),
    Tile("frozen", lambda s: s.cases.frozen_fen, "money", True),
    Tile("returned", lambda s: s.cases.returned_fen, "money", True),
    Tile("protected", lambda s: s.warnings.saved_fen, "money", True),
)


def _number(value: float | Rate | None) -> float | None:
    if isinstance(value, Rate):
        return value.value
    return None if value is None else float(value)


def change(current: float | None, previous: float | None, up_good: bool | None) -> dict[str, Any]:
    """Direction (up/down/flat), relative change and whether that is good (None: neutral)."""
    if current is None or previous is None:
        return {"direction": None, "ratio": None, "good": None, "previous": previous}
    delta = current - previous
    direction = "up" if delta > 0 else "down" if delta < 0 else "flat"
    good = None if up_good is None or delta == 0 else (delta > 0) == up_good
    ratio = None if previous == 0 else delta / previous
    return {"direction": direction, "ratio": ratio, "good": good, "previous": previous}


def kpis(session: Session, q: DashboardQuery, cfg: MetricsConfig, as_of: dt.datetime) -> Any:
    """Every tile for the period, with month-on-month (环比) and year-on-year (同比) changes."""
    now = metrics.summary(session, q.period, q.filters, cfg, as_of=as_of)
    before = metrics.summary(session, periods.previous(q.period), q.filters, cfg, as_of=as_of)
    year_ago = metrics.summary(
        session, periods.same_last_year(q.period), q.filters, cfg, as_of=as_of
    )
    tiles = []
    for tile in TILES:
        value = _number(tile.read(now))
        tiles.append(
            {
                "key": tile.key,
                "kind": tile.kind,
                "value": value,
                "mom": change(value, _number(tile.read(before)), tile.up_good),
                "yoy": change(value, _number(tile.read(year_ago)), tile.up_good),
            }
        )
    return {"period": q.period.label, "tiles": tiles}


# --- trends, breakdowns, ranking, rules -------------------------------------------------------
def default_grain(period: Period) -> Grain:
    """Days for up to two months, weeks up to half a year, else months."""
    if period.days <= 62:
        return Grain.DAY
    return Grain.WEEK if period.days <= 183 else Grain.MONTH


def trend(
    session: Session,
    q: DashboardQuery,
    cfg: MetricsConfig,
    as_of: dt.datetime,
    grain: Grain | None = None,
) -> Any:
    """Warnings and cases per day/week/month of the period."""
    chosen = grain or default_grain(q.period)
    points = metrics.series(session, q.period, chosen, cfg, filters=q.filters, as_of=as_of)
    points = [p for p in points if p.period.start <= as_of]  # no zeros for days not yet come
    return {
        "grain": chosen.value,
        "labels": [p.period.start.date().isoformat() for p in points],
        "warnings": [p.warnings.issued for p in points],
        "cases": [p.cases.cases for p in points],
    }


def _rate(rate: Rate) -> float | None:
    return rate.value


def _row(row: Row) -> dict[str, Any]:
    w = row.warnings
    return {
        "key": None if row.key is None else str(row.key),
        "label": row.label,
        "warnings": w.issued,
        "checkable": w.checkable,
        "fraud_related": w.fraud_related,
        "accuracy": _rate(w.accuracy),
        "success": _rate(w.success),
        "on_time": _rate(w.on_time),
        "cases": None if row.cases is None else row.cases.cases,
        "loss_fen": None if row.cases is None else row.cases.loss_fen,
    }


def breakdown(
    session: Session,
    q: DashboardQuery,
    cfg: MetricsConfig,
    as_of: dt.datetime,
    dimension: str,
    lang: str,
) -> Any:
    """Rows by fraud type, source or level (the dashboard's names: type/source/level)."""
    rows = metrics.breakdown(
        session, q.period, BREAKDOWNS[dimension], cfg, filters=q.filters, as_of=as_of, lang=lang
    )
    return {"dimension": dimension, "rows": [_row(r) for r in rows]}


def stations(
    session: Session, q: DashboardQuery, cfg: MetricsConfig, as_of: dt.datetime, lang: str
) -> Any:
    """Station ranking by warnings, with accuracy, success and on-time rates and cases."""
    rows = metrics.breakdown(
        session, q.period, "station", cfg, filters=q.filters, as_of=as_of, lang=lang
    )
    return {"rows": [_row(r) for r in rows]}


def rules(
    session: Session, q: DashboardQuery, cfg: MetricsConfig, as_of: dt.datetime, lang: str
) -> Any:
    """Per rule (signal kind): warnings, how many were checkable and how many fraud-related."""
    rows = metrics.breakdown(
        session, q.period, "rule", cfg, filters=q.filters, as_of=as_of, lang=lang
    )
    ordered = sorted((_row(r) for r in rows), key=lambda r: (-r["fraud_related"], r["label"]))
    return {"rows": ordered}


# --- the hour × weekday heat map (not in metrics) -----------------------------------------------
def _hour_and_weekday(column: Any, dialect: str) -> tuple[ColumnElement[Any], ColumnElement[Any]]:
    """Hour 0–23 and weekday 0 = Sunday … 6 = Saturday, on SQLite and PostgreSQL."""
    if dialect == "sqlite":
        return (
            cast(func.strftime("%H", column), Integer),
            cast(func.strftime("%w", column), Integer),
        )
    return extract("hour", column), extract("dow", column)


def _grid(rows: Any) -> list[list[int]]:
    """``[hour, weekday (0 = Monday), count]`` for every cell with a count."""
    return [[int(h), (int(d) + 6) % 7, int(n)] for h, d, n in rows if n]


def heatmap(session: Session, q: DashboardQuery) -> Any:
    """Warnings (by ``warned_at``) and cases (by ``reported_at``) per hour and weekday."""
    dialect = session.get_bind().dialect.name
    w, c = EarlyWarning, Case
    wh, wd = _hour_and_weekday(w.warned_at, dialect)
    query = select(wh, wd, func.count()).where(
        w.warned_at >= q.period.start, w.warned_at < q.period.end
    )
    if q.station:
        query = query.where(w.station == q.station)
    if q.fraud_type:
        query = query.where(type_matches(w.fraud_type, q.fraud_type))
    ch, cd = _hour_and_weekday(c.reported_at, dialect)
    cases = select(ch, cd, func.count()).where(
        c.reported_at >= q.period.start, c.reported_at < q.period.end
    )
    if q.station:
        cases = cases.where(c.station == q.station)
    if q.fraud_type:
        cases = cases.where(type_matches(c.fraud_type, q.fraud_type))
    return {
        "warnings": _grid(session.execute(query.group_by(wh, wd))),
        "cases": _grid(session.execute(cases.group_by(ch, cd))),
    }


def has_simulated_history(session: Session) -> bool:
    """Whether the store holds warnings written by ``fanzha simulate-history``."""
    probe = select(EarlyWarning.id).where(EarlyWarning.rules_version == SIM_RULES_VERSION)
    return session.scalar(probe.limit(1)) is not None


# --- cache ------------------------------------------------------------------------------------
def data_version(session: Session) -> tuple[Any, ...]:
    """Changes whenever a warning, action, outcome, case, payee account or publicity event is
    added (primary-key maxima: index probes) or a case or volunteer is edited."""
    return tuple(
        session.execute(
            select(
                select(func.max(EarlyWarning.id)).scalar_subquery(),
                select(func.max(Action.id)).scalar_subquery(),
                select(func.max(Outcome.id)).scalar_subquery(),
                select(func.max(Case.id)).scalar_subquery(),
                select(func.max(Case.updated_at)).scalar_subquery(),
                select(func.max(CaseAccount.id)).scalar_subquery(),
                select(func.max(PublicityEvent.id)).scalar_subquery(),
                select(func.max(Volunteer.updated_at)).scalar_subquery(),
            )
        ).one()
    )


@dataclass
class _Entry:
    version: tuple[Any, ...]
    at: float
    answer: Any
    cost_s: float  # how long the answer took to compute


class DashboardCache:
    """Answers per (chart, query): recomputed only when old *and* the data changed.

    An answer is *fresh* for ``fresh_s`` seconds or ``cost_factor`` times what it took to
    compute, whichever is longer (a year's figures, seconds of SQL, are refreshed at most every
    few minutes; so background refreshes take a bounded share of the CPU). Fresh answers are
    served as they are. After that an answer is served while the data version (a few index
    probes, at most once per ``probe_s``) is unchanged, up to ``ttl_s``. A stale answer younger
    than ``max_stale_s`` is still served at once while a single background worker recomputes
    it (stale-while-revalidate): on a busy desk the version moves every second, and no leader
    should wait for a year's figures more than once. A missing (or too old) answer is computed
    in the request; others asking for it meanwhile wait for that computation.
    """

    def __init__(
        self,
        factory: sessionmaker[Session],
        *,
        fresh_s: float = 30.0,
        cost_factor: float = 60.0,
        ttl_s: float = 300.0,
        max_stale_s: float = 1800.0,
        probe_s: float = 1.0,
        size: int = 256,
    ) -> None:
        self.factory = factory
        self.fresh_s, self.ttl_s, self.max_stale_s = fresh_s, ttl_s, max_stale_s
        self.cost_factor = cost_factor
        self._queue: queue.SimpleQueue[tuple[Any, Callable[[Session], Any]]] = queue.SimpleQueue()
        self._worker: threading.Thread | None = None
        self.probe_s, self.size = probe_s, size
        self._answers: OrderedDict[Any, _Entry] = OrderedDict()
        self._locks: dict[Any, threading.Lock] = {}
        self._refreshing: set[Any] = set()
        self._guard = threading.Lock()
        self._version: tuple[Any, ...] = ()
        self._probed = -1e9
        self.computed = 0  # answers computed (for tests and the bench)

    def version(self, session: Session) -> tuple[Any, ...]:
        """The data version, probed at most once per ``probe_s``."""
        if time.monotonic() - self._probed >= self.probe_s:
            self._version, self._probed = data_version(session), time.monotonic()
        return self._version

    def get(self, session: Session, key: Any, compute: Callable[[Session], Any]) -> Any:
        """The answer for ``key``; ``compute(session)`` makes it when missing or stale."""
        version = self.version(session)
        with self._guard:
            entry = self._answers.get(key)
        if entry is not None:
            age = time.monotonic() - entry.at
            fresh = max(self.fresh_s, self.cost_factor * entry.cost_s)
            if age < fresh or (entry.version == version and age < max(self.ttl_s, fresh)):
                return entry.answer
            if age < self.max_stale_s:
                self._refresh_later(key, compute)
                return entry.answer
        with self._lock_of(key):
            with self._guard:
                again = self._answers.get(key)
            if again is not None and again is not entry:
                return again.answer  # computed by another request meanwhile
            return self._compute(session, key, version, compute)

    def _lock_of(self, key: Any) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(key, threading.Lock())

    def _compute(
        self,
        session: Session,
        key: Any,
        version: tuple[Any, ...],
        compute: Callable[[Session], Any],
    ) -> Any:
        started = time.monotonic()
        answer = compute(session)
        with self._guard:
            self.computed += 1
            now = time.monotonic()
            self._answers[key] = _Entry(version, now, answer, now - started)
            self._answers.move_to_end(key)
            while len(self._answers) > self.size:
                old, _ = self._answers.popitem(last=False)
                self._locks.pop(old, None)
        return answer

    def _refresh_later(self, key: Any, compute: Callable[[Session], Any]) -> None:
        """Queue a recomputation for the one background worker (once per key)."""
        with self._guard:
            if key in self._refreshing:
                return
            self._refreshing.add(key)
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._work, daemon=True)
                self._worker.start()
        self._queue.put((key, compute))

    def _work(self) -> None:
        while True:
            key, compute = self._queue.get()
            self._refresh(key, compute)

    def _refresh(self, key: Any, compute: Callable[[Session], Any]) -> None:
        try:
            with self.factory() as session, self._lock_of(key):
                self._compute(session, key, data_version(session), compute)
        except Exception:  # the stale answer stays; the next request tries again
            logger.exception("dashboard refresh failed for %s", key)
        finally:
            with self._guard:
                self._refreshing.discard(key)
