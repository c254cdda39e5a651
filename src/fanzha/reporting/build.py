"""Build the daily brief, weekly and monthly reports and the trial evaluation from the metrics.

Each kind is a list of sections; every figure comes from :mod:`fanzha.reporting.metrics`, so a
report shows exactly the documented definitions. Comparisons: daily, weekly and monthly
reports compare with the previous period (环比) and the same period last year (同比); the
monthly report adds 两升两降; the trial evaluation describes its period alone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from sqlalchemy.orm import Session

from fanzha.core.levels import Level
from fanzha.reporting import metrics, publicity
from fanzha.reporting.config import MetricsConfig
from fanzha.reporting.document import (
    Chart,
    Column,
    Kind,
    Money,
    Report,
    Section,
    Table,
    Value,
)
from fanzha.reporting.errors import ReportError
from fanzha.reporting.figures import Rate, Row, Summary
from fanzha.reporting.labels import translator
from fanzha.reporting.periods import Grain, Period, previous, same_last_year
from fanzha.workflow.clock import local_now

ReportKind = Literal["daily", "weekly", "monthly", "trial"]
KINDS: tuple[ReportKind, ...] = ("daily", "weekly", "monthly", "trial")
Labeller = Callable[[str], str]


@dataclass(frozen=True)
class Figure:
    """One line of the key-figures table: label key, kind, how to read it from a summary."""

    key: str
    kind: Kind
    read: Callable[[Summary], int | Rate]


FIGURES: tuple[Figure, ...] = (
    Figure("fig.issued", "int", lambda s: s.warnings.issued),
    Figure("fig.signed", "int", lambda s: s.warnings.signed),
    Figure("fig.fed_back", "int", lambda s: s.warnings.fed_back),
    Figure("fig.closed", "int", lambda s: s.warnings.closed),
    Figure("fig.accuracy", "rate", lambda s: s.warnings.accuracy),
    Figure("fig.false_positive", "rate", lambda s: s.warnings.false_positive),
    Figure("fig.duplicate", "int", lambda s: s.warnings.duplicate),
    Figure("fig.success", "rate", lambda s: s.warnings.success),
    Figure("fig.on_time", "rate", lambda s: s.warnings.on_time),
    Figure("fig.face_to_face", "rate", lambda s: s.warnings.face_to_face),
    Figure("fig.victimisation", "rate", lambda s: s.warnings.victimisation),
    Figure("fig.saved", "yuan", lambda s: s.warnings.saved_fen),
    Figure("fig.lost", "yuan", lambda s: s.warnings.lost_fen),
    Figure("fig.cases", "int", lambda s: s.cases.cases),
    Figure("fig.loss", "yuan", lambda s: s.cases.loss_fen),
    Figure("fig.solved", "int", lambda s: s.cases.solved),
    Figure("fig.arrests", "int", lambda s: s.cases.arrests),
    Figure("fig.stop_on_time", "rate", lambda s: s.cases.stop_on_time),
    Figure("fig.stopped", "yuan", lambda s: s.cases.stopped_fen),
    Figure("fig.frozen", "yuan", lambda s: s.cases.frozen_fen),
    Figure("fig.returned", "yuan", lambda s: s.cases.returned_fen),
)


@dataclass(frozen=True)
class Context:
    """What every section builder needs."""

    session: Session
    period: Period
    cfg: MetricsConfig
    as_of: dt.datetime
    lang: str
    rule_label: Labeller
    summaries: dict[Period, Summary] = field(default_factory=dict)

    def t(self, key: str, **values: object) -> str:
        return translator(self.lang)(key, **values)


def build_report(
    session: Session,
    period: Period,
    kind: str,
    cfg: MetricsConfig | None = None,
    *,
    lang: str = "zh",
    as_of: dt.datetime | None = None,
    rule_label: Labeller | None = None,
) -> Report:
    """The report of ``kind`` (daily, weekly, monthly, trial) for ``period``."""
    if kind not in KINDS:
        raise ReportError(f"unknown report kind {kind!r}; use one of {', '.join(KINDS)}")
    cfg = cfg or MetricsConfig()
    when = as_of or local_now(cfg.timezone).replace(microsecond=0)
    ctx = Context(session, period, cfg, when, lang, rule_label or (lambda k: k))
    t = translator(lang)
    last = period.end - dt.timedelta(seconds=1)
    return Report(
        title=t(f"kind.{kind}"),
        subtitle=t(
            "subtitle",
            period=period.label,
            start=period.start.strftime("%Y-%m-%d %H:%M"),
            end=last.strftime("%Y-%m-%d %H:%M:%S"),
        ),
        generated_at=when,
        lang=lang,
        stamp=t("generated", at=when.isoformat(" ")),
        sections=tuple(BUILDERS[kind](ctx)),
    )


def _daily(ctx: Context) -> list[Section]:
    return [_key_section(ctx, compare=True), _station_section(ctx), _level_section(ctx)]


def _weekly(ctx: Context) -> list[Section]:
    return [
        _key_section(ctx, compare=True),
        _trend_section(ctx, Grain.DAY),
        _station_section(ctx),
        _type_section(ctx),
        _level_section(ctx),
    ]


def _monthly(ctx: Context) -> list[Section]:
    return [
        _key_section(ctx, compare=True),
        _two_up_section(ctx),
        _trend_section(ctx, Grain.DAY),
        _station_section(ctx),
        _type_section(ctx),
        _level_section(ctx),
        _source_section(ctx),
        _rule_section(ctx),
        publicity.report_section(ctx.session, ctx.period, ctx.lang),
        _definitions_section(ctx),
    ]


def _trial(ctx: Context) -> list[Section]:
    grain = Grain.WEEK if ctx.period.days <= 92 else Grain.MONTH
    return [
        _key_section(ctx, compare=False),
        _trend_section(ctx, grain),
        _type_section(ctx),
        _station_section(ctx),
        _level_section(ctx),
        _rule_section(ctx),
        publicity.report_section(ctx.session, ctx.period, ctx.lang, compare=False),
        _definitions_section(ctx),
    ]


BUILDERS: dict[str, Callable[[Context], list[Section]]] = {
    "daily": _daily,
    "weekly": _weekly,
    "monthly": _monthly,
    "trial": _trial,
}


# --- key figures and comparisons ---------------------------------------------------------------
def _summary(ctx: Context, period: Period) -> Summary:
    if period not in ctx.summaries:  # the key figures and 两升两降 share them
        ctx.summaries[period] = metrics.summary(ctx.session, period, None, ctx.cfg, as_of=ctx.as_of)
    return ctx.summaries[period]


def _key_section(ctx: Context, *, compare: bool) -> Section:
    current = _summary(ctx, ctx.period)
    columns = [Column(ctx.t("col.indicator"), "text"), Column(ctx.t("col.current"), "int")]
    others: list[Summary] = []
    if compare:
        others = [_summary(ctx, previous(ctx.period)), _summary(ctx, same_last_year(ctx.period))]
        columns += [
            Column(ctx.t("col.previous")),
            Column(ctx.t("col.mom"), "text"),
            Column(ctx.t("col.last_year")),
            Column(ctx.t("col.yoy"), "text"),
        ]
    rows = [_figure_row(ctx.t(f.key), f, current, others, ctx) for f in FIGURES]
    for level in sorted(Level, reverse=True):
        name = level.zh if ctx.lang == "zh" else level.name.lower()
        figure = Figure("fig.on_time_level", "rate", _on_time_reader(int(level)))
        rows.append(_figure_row(ctx.t(figure.key, level=name), figure, current, others, ctx))
    note = ctx.t("note.saved") + " " + ctx.t("note.victim", days=ctx.cfg.victimisation_days)
    table = Table(ctx.t("section.key"), tuple(columns), tuple(rows), note)
    return Section(ctx.t("section.key"), tables=(table,))


def _on_time_reader(level: int) -> Callable[[Summary], Rate]:
    return lambda s: s.warnings.on_time_by_level.get(level, Rate(0, 0))


def _figure_row(
    label: str, figure: Figure, current: Summary, others: Sequence[Summary], ctx: Context
) -> tuple[Value, ...]:
    now = figure.read(current)
    cells: list[Value] = [label, _typed(now, figure.kind)]
    for other in others:
        before = figure.read(other)
        cells += [_typed(before, figure.kind), _change_text(ctx, now, before)]
    return tuple(cells)


def _typed(value: int | Rate, kind: Kind) -> Value:
    return Money(value) if kind == "yuan" and isinstance(value, int) else value


def _change_text(ctx: Context, now: int | Rate, before: int | Rate) -> str:
    if isinstance(now, Rate) and isinstance(before, Rate):
        if now.value is None or before.value is None:
            return "—"
        return f"{(now.value - before.value) * 100:+.1f}{ctx.t('pt')}"
    if isinstance(now, int) and isinstance(before, int) and before != 0:
        return f"{(now - before) / before * 100:+.1f}%"
    return "—"


def _two_up_section(ctx: Context) -> Section:
    current = _summary(ctx, ctx.period)
    changes = metrics.compare(current, _summary(ctx, previous(ctx.period)))
    verdict = ctx.t("yes") if metrics.two_up_two_down(changes) else ctx.t("no")
    rows: list[tuple[Value, ...]] = []
    for name, key in zip(
        metrics.TWO_UP_TWO_DOWN, ("fig.solved", "fig.arrests", "fig.cases", "fig.loss"), strict=True
    ):
        change = changes[name]
        now, before = int(change.current or 0), int(change.previous or 0)
        good = "—" if change.good is None else ctx.t("yes") if change.good else ctx.t("no")
        money = name.endswith("_fen")
        rows.append(
            (
                ctx.t(key),
                Money(now) if money else now,
                Money(before) if money else before,
                change.ratio,
                good,
            )
        )
    table = Table(
        ctx.t("section.two"),
        (
            Column(ctx.t("col.indicator"), "text"),
            Column(ctx.t("col.current"), "int"),
            Column(ctx.t("col.previous"), "int"),
            Column(ctx.t("col.mom"), "change"),
            Column(ctx.t("col.good"), "text"),
        ),
        tuple(rows),
        ctx.t("two.explain"),
    )
    return Section(
        ctx.t("section.two"), tables=(table,), text=ctx.t("two.verdict", verdict=verdict)
    )


# --- breakdowns ------------------------------------------------------------------------------
def _rows(ctx: Context, dimension: str) -> list[Row]:
    return metrics.breakdown(
        ctx.session, ctx.period, dimension, ctx.cfg, as_of=ctx.as_of, lang=ctx.lang
    )


def _dimension_table(ctx: Context, dimension: str, heading: str, column: str) -> Table:
    rows = _rows(ctx, dimension)
    columns = (
        Column(ctx.t(column), "text"),
        Column(ctx.t("fig.issued")),
        Column(ctx.t("fig.accuracy"), "rate"),
        Column(ctx.t("fig.success"), "rate"),
        Column(ctx.t("fig.on_time"), "rate"),
        Column(ctx.t("fig.face_to_face"), "rate"),
        Column(ctx.t("fig.saved"), "yuan"),
        Column(ctx.t("fig.cases")),
        Column(ctx.t("fig.loss"), "yuan"),
    )
    body = tuple(
        (
            r.label,
            r.warnings.issued,
            r.warnings.accuracy,
            r.warnings.success,
            r.warnings.on_time,
            r.warnings.face_to_face,
            r.warnings.saved_fen,
            r.cases.cases if r.cases else None,
            r.cases.loss_fen if r.cases else None,
        )
        for r in rows
    )
    return Table(ctx.t(heading), columns, body, ctx.t("note.saved"))


def _station_section(ctx: Context) -> Section:
    table = _dimension_table(ctx, "station", "section.station", "col.station")
    return Section(ctx.t("section.station"), tables=(table,), charts=_pair_charts(ctx, table))


def _type_section(ctx: Context) -> Section:
    table = _dimension_table(ctx, "fraud_type", "section.type", "col.type")
    return Section(ctx.t("section.type"), tables=(table,), charts=_pair_charts(ctx, table))


def _pair_charts(ctx: Context, table: Table) -> tuple[Chart, ...]:
    """Warnings issued and case losses, one chart each (their scales differ by 1000×)."""
    if not table.rows:
        return ()
    colon = "：" if ctx.lang == "zh" else ": "
    return (
        Chart(f"{table.title}{colon}{ctx.t('fig.issued')}", table, (1,)),
        Chart(f"{table.title}{colon}{ctx.t('fig.loss')}", table, (8,)),
    )


def _level_section(ctx: Context) -> Section:
    table = _dimension_table(ctx, "level", "section.level", "col.level")
    return Section(ctx.t("section.level"), tables=(table,))


def _source_section(ctx: Context) -> Section:
    table = _dimension_table(ctx, "source", "section.source", "col.source")
    return Section(ctx.t("section.source"), tables=(table,))


def _rule_section(ctx: Context) -> Section:
    rows = _rows(ctx, "rule")
    columns = (
        Column(ctx.t("col.rule"), "text"),
        Column(ctx.t("fig.issued")),
        Column(ctx.t("fig.checkable")),
        Column(ctx.t("fig.fraud_related")),
        Column(ctx.t("fig.accuracy"), "rate"),
        Column(ctx.t("fig.false_positive"), "rate"),
    )
    body = tuple(
        (
            ctx.rule_label(str(r.key)),
            r.warnings.issued,
            r.warnings.checkable,
            r.warnings.fraud_related,
            r.warnings.accuracy,
            r.warnings.false_positive,
        )
        for r in rows
    )
    table = Table(ctx.t("section.rule"), columns, body, ctx.t("note.rule"))
    return Section(ctx.t("section.rule"), tables=(table,))


def _trend_section(ctx: Context, grain: Grain) -> Section:
    points = metrics.series(ctx.session, ctx.period, grain, ctx.cfg, as_of=ctx.as_of)
    columns = (
        Column(ctx.t("col.period"), "text"),
        Column(ctx.t("fig.issued")),
        Column(ctx.t("fig.accuracy"), "rate"),
        Column(ctx.t("fig.success"), "rate"),
        Column(ctx.t("fig.cases")),
        Column(ctx.t("fig.loss"), "yuan"),
        Column(ctx.t("fig.saved"), "yuan"),
    )
    body = tuple(
        (
            p.period.label,
            p.warnings.issued,
            p.warnings.accuracy,
            p.warnings.success,
            p.cases.cases,
            p.cases.loss_fen,
            p.warnings.saved_fen,
        )
        for p in points
    )
    table = Table(ctx.t("section.trend"), columns, body)
    charts = (
        Chart(ctx.t("fig.issued"), table, (1,), kind="line"),
        Chart(ctx.t("fig.cases"), table, (4,)),
        Chart(ctx.t("fig.loss"), table, (5, 6)),
    )
    return Section(ctx.t("section.trend"), tables=(table,), charts=charts)


def _definitions_section(ctx: Context) -> Section:
    return Section(ctx.t("section.definitions"), text=ctx.t("definitions"))
