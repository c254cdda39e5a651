"""The leadership dashboard (领导驾驶舱): KPI tiles, trends, breakdowns, ranking, heat maps.

``/dashboard`` renders the tiles and every table on the server (readable without JavaScript,
printable); the charts are drawn in the browser by the vendored ECharts from the JSON
endpoints under ``/dashboard/data/`` — the same cached answers the tables use. Needs the
supervise permission (leaders, centre supervisors); a station-scoped principal would see only
its own station. Each page view is audited, in batches within half a second (the JSON
endpoints serve the page's charts).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from markupsafe import Markup
from sqlalchemy.orm import Session

from fanzha.core import fraud_types
from fanzha.errors import NotFoundError
from fanzha.reporting import dashboard as data
from fanzha.reporting import publicity
from fanzha.reporting.config import MetricsConfig, from_settings
from fanzha.reporting.periods import Grain, previous, same_last_year
from fanzha.web.deps import Db, Desk, Now, PagePrincipal
from fanzha.web.i18n import translator
from fanzha.web.render import TEMPLATES, language, render
from fanzha.web.state import DeskState
from fanzha.workflow.audit import service as audit
from fanzha.workflow.roles import Permission, Principal
from fanzha.workflow.station import service as stations

logger = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)
ECHARTS = Path(__file__).parent.parent / "static" / "vendor" / "echarts.min.js"
_SETUP = threading.Lock()


def echarts_installed() -> bool:
    """Whether ``make assets`` has put ECharts into ``static/vendor``."""
    return ECHARTS.is_file()


def _cache(desk: DeskState, state: Any) -> data.DashboardCache:
    """This process's dashboard cache (and metrics definitions), made on first use."""
    with _SETUP:
        if getattr(state, "dashboard_cache", None) is None:
            state.dashboard_cache = data.DashboardCache(desk.factory)
            state.dashboard_cfg = from_settings(desk.settings)
    cache: data.DashboardCache = state.dashboard_cache
    return cache


def _query(request: Request, who: Principal, desk: DeskState) -> data.DashboardQuery:
    who.require(Permission.SUPERVISE)
    params = dict(request.query_params)
    return data.parse_query(params, desk.clock().date(), forced_station=who.station)


class _Charts:
    """Computes (through the cache) the answers of one query in one language."""

    def __init__(
        self, db: Session, desk: DeskState, state: Any, q: data.DashboardQuery, lang: str
    ) -> None:
        self.db, self.q, self.now, self.lang = db, q, desk.clock(), lang
        self.cache = _cache(desk, state)
        self.cfg: MetricsConfig = state.dashboard_cfg

    @classmethod
    def of(cls, request: Request, db: Session, desk: DeskState, q: data.DashboardQuery) -> _Charts:
        """The charts of a request's query, in the request's language."""
        return cls(db, desk, request.app.state, q, language(request))

    def answers(self) -> dict[str, Any]:
        """Everything the page shows."""
        return {
            "kpis": self.kpis(),
            "trend": self.trend(),
            **{f"breakdown:{d}": self.breakdown(d) for d in data.BREAKDOWNS},
            "ranking": self.stations(),
            "rules": self.rules(),
            "heatmap": self.heatmap(),
            "simulated": self.get("simulated", data.has_simulated_history),
            "publicity": self.get(
                "publicity", lambda s: publicity.dashboard_block(s, self.q.period, self.q.station)
            ),
        }

    def get(self, name: str, compute: Callable[[Session], Any]) -> Any:
        return self.cache.get(self.db, (name, self.lang, self.q.key), compute)

    def kpis(self) -> Any:
        return self.get("kpis", lambda s: data.kpis(s, self.q, self.cfg, self.now))

    def trend(self, grain: Grain | None = None) -> Any:
        return self.get(
            f"trend:{grain}", lambda s: data.trend(s, self.q, self.cfg, self.now, grain)
        )

    def breakdown(self, dimension: str) -> Any:
        if dimension not in data.BREAKDOWNS:
            raise NotFoundError("no such breakdown", dimension=dimension)
        return self.get(
            f"breakdown:{dimension}",
            lambda s: data.breakdown(s, self.q, self.cfg, self.now, dimension, self.lang),
        )

    def stations(self) -> Any:
        return self.get(
            "stations", lambda s: data.stations(s, self.q, self.cfg, self.now, self.lang)
        )

    def rules(self) -> Any:
        return self.get("rules", lambda s: data.rules(s, self.q, self.cfg, self.now, self.lang))

    def heatmap(self) -> Any:
        return self.get("heatmap", lambda s: data.heatmap(s, self.q))


WARM_CHOICES = ("this_month", "this_year")


def warm_up(desk: DeskState, state: Any, lang: str | None = None) -> int:
    """Compute the default views (this month, this year; all stations) into this process's
    cache, so the first leader of the day does not wait for a year's figures (19-28 s for an
    800k city's year, measured). Returns the answers computed."""
    cache = _cache(desk, state)
    before = cache.computed
    lang = lang or desk.settings.default_language
    for choice in WARM_CHOICES:
        q = data.parse_query({"period": choice}, desk.clock().date())
        with desk.factory() as db:
            _Charts(db, desk, state, q, lang).answers()
    return cache.computed - before


def _custom_dates(q: data.DashboardQuery) -> dict[str, str]:
    if q.choice != "custom":
        return {}
    last = q.period.end - dt.timedelta(days=1)
    return {"from": q.period.start.date().isoformat(), "to": last.date().isoformat()}


def _query_string(q: data.DashboardQuery) -> str:
    args = {"period": q.choice, **_custom_dates(q)}
    if q.station:
        args["station"] = q.station
    if q.fraud_type:
        args["type"] = q.fraud_type
    return urlencode(args)


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard_page(request: Request, db: Db, desk: Desk, who: PagePrincipal, now: Now) -> Response:
    """KPI tiles with 环比/同比, charts and their tables for the chosen period and filters."""
    q = _query(request, who, desk)
    charts = _Charts.of(request, db, desk, q)
    answers = charts.answers()
    station_list = tuple((st.code, st.name) for st in stations.list_all(session=db))
    body = _BODIES.get(charts.lang, q, answers, station_list, lambda: _body(charts, q, answers))
    entry = audit.Entry(
        actor=who.label,
        action="view",
        object_type="dashboard",
        object_id=q.period.label,
        at=now,
        detail={"station": q.station, "type": q.fraud_type},
    )
    _audit_buffer(desk, request).add(entry)
    return render(request, "dashboard.html", {"body": body})


def _body(charts: _Charts, q: data.DashboardQuery, answers: dict[str, Any]) -> Markup:
    """The content of the page (autoescaped by the environment)."""
    context = {
        **answers,
        "breakdowns": {d: answers[f"breakdown:{d}"] for d in data.BREAKDOWNS},
        "t": translator(charts.lang),
        "lang": charts.lang,
        "q": q,
        "qs": _query_string(q),
        "custom_from": _custom_dates(q).get("from", ""),
        "custom_to": _custom_dates(q).get("to", ""),
        "previous": previous(q.period).label,
        "year_ago": same_last_year(q.period).label,
        "heat_table": _heat_table(answers["heatmap"]["warnings"]),
        "stations": stations.list_all(session=charts.db),
        "types": fraud_types.TYPES,
        "choices": data.CHOICES,
        "echarts": echarts_installed(),
    }
    return Markup(TEMPLATES.env.get_template("dashboard_body.html").render(context))


class _BodyMemo:
    """The rendered content per (language, query), reused while every input is the same object.

    The cached answers are immutable once made, so "the same objects" means "the same page":
    ~15 ms of template work per view is saved (the page is the one URL rendered per request).
    The memo holds the inputs themselves, so an identity check can never match a new object.
    """

    def __init__(self, size: int = 64) -> None:
        self.size = size
        self._memo: OrderedDict[Any, tuple[list[Any], Markup]] = OrderedDict()
        self._lock = threading.Lock()

    def get(
        self,
        lang: str,
        q: data.DashboardQuery,
        answers: dict[str, Any],
        station_list: tuple[tuple[str, str], ...],
        render_body: Callable[[], Markup],
    ) -> Markup:
        key = (lang, q.choice, q.key)
        inputs = [*answers.values(), station_list, echarts_installed()]
        with self._lock:
            found = self._memo.get(key)
        if found is not None and _same(found[0], inputs):
            return found[1]
        body = render_body()
        with self._lock:
            self._memo[key] = (inputs, body)
            self._memo.move_to_end(key)
            while len(self._memo) > self.size:
                self._memo.popitem(last=False)
        return body


def _same(old: list[Any], new: list[Any]) -> bool:
    return len(old) == len(new) and all(
        a is b or (isinstance(a, tuple | bool) and a == b) for a, b in zip(old, new, strict=True)
    )


_BODIES = _BodyMemo()


class AuditBuffer:
    """Dashboard views' audit records, appended in batches by one thread per process.

    The page holds aggregates only (no personal data), so its record need not be committed
    before the page is shown, unlike a warning's view. Written one commit per view, every view
    waited for SQLite's write lock (~25 ms, queued across processes: p99 1.1 s at 50 users);
    here the records of each ``interval_s`` share one transaction (one chain lock, one commit),
    in arrival order. A record is lost only if the process dies within that interval.
    """

    def __init__(self, desk: DeskState, interval_s: float = 0.5) -> None:
        self.desk, self.interval_s = desk, interval_s
        self._pending: list[audit.Entry] = []
        self._cond = threading.Condition()
        threading.Thread(target=self._run, daemon=True).start()

    def add(self, entry: audit.Entry) -> None:
        """Queue ``entry``; it is committed within ``interval_s``."""
        with self._cond:
            self._pending.append(entry)
            self._cond.notify()

    def flush(self) -> int:
        """Append and commit what is queued now; the number of records written."""
        with self._cond:
            batch, self._pending = self._pending, []
        if batch:
            with self.desk.factory() as session:
                audit.append_many(session=session, entries=batch)
                session.commit()
        return len(batch)

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._pending:
                    self._cond.wait()
            time.sleep(self.interval_s)  # gather the views arriving meanwhile
            try:
                self.flush()
            except Exception:  # keep the thread; the batch's records are reported here
                logger.exception("dashboard view audit failed")


def _audit_buffer(desk: DeskState, request: Request) -> AuditBuffer:
    state = request.app.state
    with _SETUP:
        if getattr(state, "dashboard_audit", None) is None:
            state.dashboard_audit = AuditBuffer(desk)
    buffer: AuditBuffer = state.dashboard_audit
    return buffer


def _heat_table(cells: list[list[int]]) -> list[list[int]]:
    """7 rows (Monday first) × 24 hours of counts, for the table under the heat map."""
    table = [[0] * 24 for _ in range(7)]
    for hour, weekday, count in cells:
        table[weekday][hour] = count
    return table


def _json(answer: Any) -> JSONResponse:
    return JSONResponse(answer, headers={"Cache-Control": "private, max-age=30"})


@router.get("/dashboard/data/kpis")
def kpis_data(request: Request, db: Db, desk: Desk, who: PagePrincipal) -> Response:
    """The KPI tiles with month-on-month and year-on-year changes."""
    return _json(_Charts.of(request, db, desk, _query(request, who, desk)).kpis())


@router.get("/dashboard/data/trend")
def trend_data(request: Request, db: Db, desk: Desk, who: PagePrincipal) -> Response:
    """Warnings and cases per day/week/month (``grain`` chooses; default by length)."""
    raw = request.query_params.get("grain")
    grain = Grain(raw) if raw in ("day", "week", "month") else None
    return _json(_Charts.of(request, db, desk, _query(request, who, desk)).trend(grain))


@router.get("/dashboard/data/breakdown/{dimension}")
def breakdown_data(
    dimension: str, request: Request, db: Db, desk: Desk, who: PagePrincipal
) -> Response:
    """Warnings and rates by fraud type, source or level."""
    return _json(_Charts.of(request, db, desk, _query(request, who, desk)).breakdown(dimension))


@router.get("/dashboard/data/stations")
def stations_data(request: Request, db: Db, desk: Desk, who: PagePrincipal) -> Response:
    """The station ranking."""
    return _json(_Charts.of(request, db, desk, _query(request, who, desk)).stations())


@router.get("/dashboard/data/heatmap")
def heatmap_data(request: Request, db: Db, desk: Desk, who: PagePrincipal) -> Response:
    """Warnings and cases per hour of day × weekday (Monday = 0)."""
    return _json(_Charts.of(request, db, desk, _query(request, who, desk)).heatmap())


@router.get("/dashboard/data/rules")
def rules_data(request: Request, db: Db, desk: Desk, who: PagePrincipal) -> Response:
    """Which rules produce fraud-related warnings."""
    return _json(_Charts.of(request, db, desk, _query(request, who, desk)).rules())
