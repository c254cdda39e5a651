"""Reporting metrics: one definition each, computed by SQL aggregation (SQLite and PostgreSQL).

Stable interface (the dashboards call it)::

    from fanzha.reporting import metrics, periods
    cfg = metrics.MetricsConfig()                      # or config.from_settings(settings)
    p = periods.parse_period("2026-10")
    s = metrics.summary(session, p, metrics.Filters(station="S01"), cfg)
    s.warnings.accuracy.value                          # float, or None when nothing to divide
    rows = metrics.breakdown(session, p, "station", cfg)  # or fraud_type, source, level,
                                                          # officer, rule
    points = metrics.series(session, p, periods.Grain.DAY, cfg)
    before = metrics.summary(session, periods.previous(p), metrics.Filters(), cfg)
    changes = metrics.compare(s, before)          # month-on-month; same_last_year for 同比

The exact semantics (which period a warning or case belongs to, which outcome judges a
warning, every numerator and denominator) are in ``docs/reporting.md``. In short: a warning
belongs to the period of its ``warned_at`` and is judged by its latest final outcome *now*
(so a late outcome changes a past period); a case belongs to the period of its
``reported_at``; money is in fen; a rate with nothing to divide by has value ``None``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Literal

from sqlalchemy import RowMapping, select, text
from sqlalchemy.orm import Session

from fanzha.core import fraud_types
from fanzha.core.levels import Level
from fanzha.reporting import queries
from fanzha.reporting.config import MetricsConfig
from fanzha.reporting.errors import ReportError
from fanzha.reporting.figures import (
    CaseFigures,
    Change,
    Filters,
    Point,
    Rate,
    Row,
    Summary,
    WarningFigures,
)
from fanzha.reporting.periods import Grain, Period, split
from fanzha.workflow.clock import local_now
from fanzha.workflow.station.models import Station
from fanzha.workflow.user.models import User

__all__ = [
    "DIMENSIONS",
    "CaseFigures",
    "Change",
    "Filters",
    "MetricsConfig",
    "Point",
    "Rate",
    "Row",
    "Summary",
    "WarningFigures",
    "breakdown",
    "compare",
    "series",
    "summary",
]

Dimension = Literal["station", "fraud_type", "source", "level", "officer", "rule"]
DIMENSIONS: tuple[Dimension, ...] = ("station", "fraud_type", "source", "level", "officer", "rule")
CASE_DIMENSIONS = frozenset({"station", "fraud_type"})
UNSET_LABEL = "—"


def summary(
    session: Session,
    period: Period,
    filters: Filters | None = None,
    cfg: MetricsConfig | None = None,
    *,
    as_of: dt.datetime | None = None,
) -> Summary:
    """Every figure of ``period`` (warnings and cases), optionally filtered.

    ``as_of`` (naive local time, default now in ``cfg.timezone``) decides which open warnings are
    already due for the on-time and face-to-face rates.
    """
    filters, cfg = filters or Filters(), cfg or MetricsConfig()
    when = as_of or local_now(cfg.timezone)
    warnings = _warning_groups(session, period, filters, cfg, when, "all")
    cases = _case_groups(session, period, filters, cfg, "all")
    return Summary(
        period=period,
        filters=filters,
        warnings=warnings.get("all", WarningFigures()),
        cases=cases.get("all", CaseFigures()),
    )


def breakdown(
    session: Session,
    period: Period,
    dimension: str,
    cfg: MetricsConfig | None = None,
    *,
    filters: Filters | None = None,
    as_of: dt.datetime | None = None,
    lang: str = "zh",
) -> list[Row]:
    """Figures of ``period`` per station, fraud type, source, level, officer or rule.

    Rows are sorted by warnings issued (then cases), largest first. ``rule`` counts a warning
    once under every signal kind in its reasons, so its rows overlap. Cases have only the
    station and fraud-type dimensions (``Row.cases`` is ``None`` for the others).
    """
    if dimension not in DIMENSIONS:
        raise ReportError(f"unknown dimension {dimension!r}; use one of {', '.join(DIMENSIONS)}")
    filters, cfg = filters or Filters(), cfg or MetricsConfig()
    when = as_of or local_now(cfg.timezone)
    warnings = _warning_groups(session, period, filters, cfg, when, dimension)
    cases = (
        _case_groups(session, period, filters, cfg, dimension)
        if dimension in CASE_DIMENSIONS
        else None
    )
    keys = set(warnings) | set(cases or {})
    labels = _labels(session, dimension, keys, lang)
    rows = [
        Row(
            key=key,
            label=labels.get(key, str(key)),
            warnings=warnings.get(key, WarningFigures()),
            cases=None if cases is None else cases.get(key, CaseFigures()),
        )
        for key in keys
    ]
    return sorted(rows, key=_row_order)


def series(
    session: Session,
    period: Period,
    grain: Grain | str,
    cfg: MetricsConfig | None = None,
    *,
    filters: Filters | None = None,
    as_of: dt.datetime | None = None,
) -> list[Point]:
    """Figures per day/week/month/year of ``period`` (every step present, empty ones zero)."""
    filters, cfg = filters or Filters(), cfg or MetricsConfig()
    parts = split(period, Grain(grain))
    when = as_of or local_now(cfg.timezone)
    warnings = _warning_groups(session, period, filters, cfg, when, "series", parts)
    cases = _case_groups(session, period, filters, cfg, "series", parts)
    return [
        Point(part, warnings.get(i, WarningFigures()), cases.get(i, CaseFigures()))
        for i, part in enumerate(parts)
    ]


# The figures compared between periods, and whether "up" is good (两升两降: solved and
# arrests up, cases and losses down).
COMPARED: dict[str, bool | None] = {
    "warnings.issued": None,
    "warnings.accuracy": True,
    "warnings.false_positive": False,
    "warnings.success": True,
    "warnings.on_time": True,
    "warnings.face_to_face": True,
    "warnings.victimisation": False,
    "warnings.saved_fen": True,
    "cases.cases": False,
    "cases.loss_fen": False,
    "cases.solved": True,
    "cases.arrests": True,
    "cases.stop_on_time": True,
    "cases.returned_fen": True,
}
TWO_UP_TWO_DOWN = ("cases.solved", "cases.arrests", "cases.cases", "cases.loss_fen")


def compare(current: Summary, previous: Summary) -> dict[str, Change]:
    """How each figure of :data:`COMPARED` moved from ``previous`` to ``current``.

    ``good`` is ``None`` when the figure has no wanted direction, when it did not move or
    when either value is missing (a rate with nothing to divide by).
    """
    return {
        name: _change(name, _value(current, name), _value(previous, name), up_good)
        for name, up_good in COMPARED.items()
    }


def two_up_two_down(changes: Mapping[str, Change]) -> bool:
    """两升两降: solved and arrests up, cases and losses down — all four at once."""
    return all(changes[name].good is True for name in TWO_UP_TWO_DOWN)


def _value(summary_: Summary, name: str) -> float | None:
    part, field = name.split(".")
    value = getattr(getattr(summary_, part), field)
    if isinstance(value, Rate):
        return value.value
    return float(value)


def _change(name: str, cur: float | None, prev: float | None, up_good: bool | None) -> Change:
    if cur is None or prev is None:
        return Change(name, cur, prev, None, None, None)
    delta = cur - prev
    ratio = None if prev == 0 else delta / prev
    good = None if up_good is None or delta == 0 else (delta > 0) == up_good
    return Change(name, cur, prev, delta, ratio, good)


# --- the queries -----------------------------------------------------------------------------
def _dialect(session: Session) -> str:
    """The database's dialect name; on PostgreSQL, JIT is switched off for the transaction.

    The planner guesses 100 rows per ``json_array_elements`` call and the aggregations look
    expensive enough to JIT-compile, which costs ~1 s per statement and saves nothing here.
    """
    name = session.get_bind().dialect.name
    if name == "postgresql":
        session.execute(text("SET LOCAL jit = off"))
    return name


def _warning_groups(
    session: Session,
    period: Period,
    filters: Filters,
    cfg: MetricsConfig,
    as_of: dt.datetime,
    key: str,
    parts: list[Period] | None = None,
) -> dict[Any, WarningFigures]:
    dialect = _dialect(session)
    facts = queries.warning_facts(
        period, filters, cfg, as_of=as_of, dialect=dialect, key=key, parts=parts or ()
    )
    rows = session.execute(queries.warning_totals(facts)).mappings()
    return {row["key"]: _warning_figures(row) for row in rows}


def _warning_figures(row: RowMapping) -> WarningFigures:
    n = {name: int(row[name] or 0) for name in (*queries.WARNING_SUMS, "issued", "people")}
    by_level = {
        level: Rate(int(row[f"on_time_{level}"] or 0), int(row[f"judged_{level}"] or 0))
        for level in queries.LEVELS
    }
    return WarningFigures(
        issued=n["issued"],
        signed=n["signed"],
        fed_back=n["fed_back"],
        closed=n["closed"],
        checkable=n["checkable"],
        fraud_related=n["fraud"],
        mismatch=n["mismatch"],
        duplicate=n["duplicate"],
        not_found=n["not_found"],
        defrauded=n["defrauded"],
        people=n["people"],
        saved_fen=n["saved"],
        lost_fen=n["lost"],
        accuracy=Rate(n["fraud"], n["checkable"]),
        false_positive=Rate(n["mismatch"], n["checkable"]),
        duplicate_share=Rate(n["duplicate"], n["closed"]),
        success=Rate(n["succeeded"], n["contacted"]),
        on_time=Rate(n["on_time"], n["judged"]),
        on_time_by_level=by_level,
        face_to_face=Rate(n["visit_done"], n["visit_owed"]),
        victimisation=Rate(int(row["victims"] or 0), n["people"]),
    )


def _case_groups(
    session: Session,
    period: Period,
    filters: Filters,
    cfg: MetricsConfig,
    key: str,
    parts: list[Period] | None = None,
) -> dict[Any, CaseFigures]:
    dialect = _dialect(session)
    query = queries.case_totals(period, filters, cfg, dialect=dialect, key=key, parts=parts or ())
    return {row["key"]: _case_figures(row) for row in session.execute(query).mappings()}


def _case_figures(row: RowMapping) -> CaseFigures:
    n = {name: int(row[name] or 0) for name in ("cases", "loss", "solved", "arrests")}
    a = {name: int(row[name] or 0) for name in queries.CASE_ACCOUNT_SUMS}
    return CaseFigures(
        cases=n["cases"],
        loss_fen=n["loss"],
        solved=n["solved"],
        arrests=n["arrests"],
        accounts=a["accounts"],
        stop_filed=a["stop_filed"],
        stop_on_time=Rate(a["stop_on_time"], a["accounts"]),
        stopped_fen=a["stopped"],
        frozen_fen=a["frozen"],
        returned_fen=a["returned"],
    )


# --- labels ----------------------------------------------------------------------------------
def _labels(session: Session, dimension: str, keys: set[Any], lang: str) -> dict[Any, str]:
    labels: dict[Any, str] = {None: UNSET_LABEL}
    present = [k for k in keys if k is not None]
    if dimension == "station":
        rows = session.execute(select(Station.code, Station.name).where(Station.code.in_(present)))
        labels.update({row[0]: row[1] for row in rows})
        labels[None] = "中心" if lang == "zh" else "centre"
    elif dimension == "officer":
        rows = session.execute(select(User.id, User.display_name).where(User.id.in_(present)))
        labels.update({row[0]: row[1] for row in rows})
        labels[None] = "未分配" if lang == "zh" else "unassigned"
    elif dimension == "fraud_type":
        labels.update({k: _type_label(str(k), lang) for k in present})
    elif dimension == "level":
        labels.update({k: _level_label(int(k), lang) for k in present})
    return labels


def _type_label(code: str, lang: str) -> str:
    if lang == "zh":
        return fraud_types.zh_name(code)
    parent, _, sub = code.partition("/")
    known = fraud_types.BY_CODE.get(parent)
    base = known.en if known else parent
    return f"{base}/{sub}" if sub else base


def _level_label(level: int, lang: str) -> str:
    try:
        known = Level(level)
    except ValueError:
        return str(level)
    return known.zh if lang == "zh" else known.name.lower()


def _row_order(row: Row) -> tuple[int, int, str]:
    cases = row.cases.cases if row.cases else 0
    return (-row.warnings.issued, -cases, str(row.key))
