"""Campaign figures for the dashboard and the monthly and trial reports: events, people
reached, leaflets, active volunteers, hazards found and people dissuaded on the spot, with the
change against the previous period; and the community heat table (publicity beside harm)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from fanzha.reporting.dashboard import change
from fanzha.reporting.document import Column, Section, Table
from fanzha.reporting.periods import Period, previous
from fanzha.reporting.riskmap import load_rows
from fanzha.workflow.campaign import service
from fanzha.workflow.campaign.service import Figures

__all__ = ["FIELDS", "community_rows", "dashboard_block", "report_section"]

FIELDS = ("events", "reached", "leaflets", "volunteers_active", "hazards", "dissuaded")
_LABELS: dict[str, tuple[str, str]] = {
    "section": ("宣传与志愿者", "Publicity and volunteers"),
    "figure": ("指标", "Figure"),
    "now": ("本期", "This period"),
    "before": ("上期", "Previous period"),
    "change": ("环比", "Change"),
    "events": ("宣传场次", "Events"),
    "reached": ("覆盖人数", "People reached"),
    "leaflets": ("发放资料", "Leaflets"),
    "volunteers_active": ("在岗志愿者", "Active volunteers"),
    "hazards": ("发现隐患", "Hazards found"),
    "dissuaded": ("现场劝阻", "Dissuaded on the spot"),
    "heat": ("社区热力表", "Communities"),
    "community": ("社区", "Community"),
    "warnings": ("预警", "Warnings"),
    "victims": ("被骗人数", "Victims"),
    "loss": ("损失（元）", "Loss (yuan)"),
    "note": (
        "按被骗人数排序；宣传场次与覆盖人数来自宣传登记",
        "most victims first; events and reach from the recorded publicity events",
    ),
}


def _t(key: str, lang: str) -> str:
    return _LABELS[key][1 if lang == "en" else 0]


def _figures(session: Session, period: Period, station: str | None) -> Figures:
    return service.figures(session=session, since=period.start, until=period.end, station=station)


def community_rows(
    session: Session, period: Period, station: str | None = None, limit: int = 30
) -> list[dict[str, Any]]:
    """Per community: events, reach, warnings, victims and losses; most victims first, with a
    heat level 0–3 (quartiles of victims among the rows shown)."""
    heat = service.community_heat(
        session=session, since=period.start, until=period.end, station=station
    )
    harm: dict[str, list[int]] = {}
    for row in load_rows(session=session, since=period.start, until=period.end, station=station):
        if row.kind == "contacts":
            continue
        cell = harm.setdefault(row.community, [0, 0, 0])
        if row.kind == "warnings":
            cell[0] += row.count
        else:
            cell[1] += row.count
            cell[2] += row.loss_fen // 100
    names = sorted(set(heat) | set(harm), key=lambda c: (-harm.get(c, [0, 0])[1], c))[:limit]
    victims = sorted(harm.get(c, [0, 0, 0])[1] for c in names)
    cuts = [victims[len(victims) * q // 4] for q in (1, 2, 3)] if victims else [0, 0, 0]
    rows = []
    for c in names:
        w, v, loss = harm.get(c, [0, 0, 0])
        publicity = heat.get(c, {"events": 0, "reached": 0})
        level = sum(v > cut for cut in cuts) if v else 0
        rows.append({"community": c, **publicity, "warnings": w, "victims": v, "loss": loss})
        rows[-1]["heat"] = level
    return rows


def dashboard_block(session: Session, period: Period, station: str | None) -> dict[str, Any]:
    """The tiles (with 环比) and the community heat table of the dashboard."""
    now, before = _figures(session, period, station), _figures(session, previous(period), station)
    tiles = [
        {
            "key": key,
            "value": getattr(now, key),
            "mom": change(float(getattr(now, key)), float(getattr(before, key)), None),
        }
        for key in FIELDS
    ]
    return {"tiles": tiles, "communities": community_rows(session, period, station)}


def report_section(session: Session, period: Period, lang: str, compare: bool = True) -> Section:
    """The report's section: the figures (and the previous period's), then the heat table."""
    now = _figures(session, period, None)
    columns = [Column(_t("figure", lang), "text"), Column(_t("now", lang))]
    rows: list[tuple[Any, ...]] = []
    before = _figures(session, previous(period), None) if compare else None
    if before is not None:
        columns.append(Column(_t("before", lang)))
    for key in FIELDS:
        row: tuple[Any, ...] = (_t(key, lang), getattr(now, key))
        rows.append(row + ((getattr(before, key),) if before is not None else ()))
    figures = Table(_t("section", lang), tuple(columns), tuple(rows))
    heat_columns = ("community", "events", "reached", "warnings", "victims", "loss")
    heat = Table(
        _t("heat", lang),
        tuple(Column(_t(k, lang), "text" if k == "community" else "int") for k in heat_columns),
        tuple(tuple(r[k] for k in heat_columns) for r in community_rows(session, period, limit=20)),
        _t("note", lang),
    )
    return Section(_t("section", lang), tables=(figures, heat))
