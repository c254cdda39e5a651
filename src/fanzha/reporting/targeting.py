"""Where to send the volunteers next month: communities and audiences ranked by recent harm.

Over the last ``lookback`` months of risk-map rows, each (community, audience) gets a harm
score — victims count most, then money lost, then engaged contacts and warnings (the weights
are :class:`Weights`) — and its trend against the ``lookback`` months before. The plan takes
the audience with the most harm city-wide, its ``top`` communities, and the fraud types that
hurt that audience most there, with the figures behind each choice as reasons.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from fanzha.core import fraud_types
from fanzha.reporting.riskmap import RiskRow
from fanzha.workflow.campaign.models import AUDIENCES, Audience

__all__ = ["Plan", "PlanRow", "Weights", "add_months", "heat_table", "suggest_plan"]


@dataclass(frozen=True)
class Weights:
    """Harm score = victims·victim + lost yuan/10,000·loss + contacts·contact + warnings·warning."""

    victim: float = 1.0
    loss_per_10k: float = 0.2
    contact: float = 0.3
    warning: float = 0.05


def add_months(month: dt.date, n: int) -> dt.date:
    """The first day of the month ``n`` months after ``month``."""
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


@dataclass
class _Cell:
    warnings: int = 0
    contacts: int = 0
    victims: int = 0
    loss_fen: int = 0
    types: Counter[str] = field(default_factory=Counter)

    def add(self, row: RiskRow) -> None:
        if row.kind == "warnings":
            self.warnings += row.count
        elif row.kind == "contacts":
            self.contacts += row.count
        else:
            self.victims += row.count
            self.loss_fen += row.loss_fen
            self.types[row.fraud_type] += 3 * row.count  # victims weigh more than warnings
        if row.kind == "warnings":
            self.types[row.fraud_type] += row.count

    def score(self, w: Weights) -> float:
        return (
            self.victims * w.victim
            + self.loss_fen / 1_000_000 * w.loss_per_10k
            + self.contacts * w.contact
            + self.warnings * w.warning
        )


@dataclass(frozen=True)
class PlanRow:
    """One community of the plan, with its figures (the reasons)."""

    community: str
    score: float
    victims: int
    loss_fen: int
    contacts: int
    warnings: int
    previous_score: float
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Plan:
    """The suggested plan for ``month``."""

    month: dt.date
    audience: Audience
    fraud_types: tuple[str, ...]
    rows: tuple[PlanRow, ...]
    audience_scores: dict[str, float]
    headline_zh: str
    headline_en: str

    @property
    def communities(self) -> tuple[str, ...]:
        """The plan's communities, most harm first."""
        return tuple(r.community for r in self.rows)


def _cells(
    rows: Iterable[RiskRow], since: dt.date, until: dt.date
) -> dict[tuple[str, Audience], _Cell]:
    cells: dict[tuple[str, Audience], _Cell] = defaultdict(_Cell)
    for row in rows:
        if since <= row.month < until:
            cells[(row.community, row.audience)].add(row)
    return cells


def _reasons(
    community: str, cell: _Cell, before: float, w: Weights, months: int
) -> tuple[str, ...]:
    trend = "new" if before == 0 else f"{(cell.score(w) / before - 1) * 100:+.0f}%"
    top = ", ".join(fraud_types.zh_name(t) for t, _ in cell.types.most_common(2))
    return (
        f"{community}: {cell.victims} victims, ¥{cell.loss_fen / 100:,.0f} lost, "
        f"{cell.contacts} engaged contacts, {cell.warnings} warnings in {months} months",
        f"harm score {cell.score(w):.1f} (trend {trend} against the {months} months before)",
        f"most harm from: {top or '—'}",
    )


def suggest_plan(
    rows: list[RiskRow],
    *,
    month: dt.date,
    lookback: int = 3,
    top: int = 5,
    types: int = 2,
    weights: Weights | None = None,
) -> Plan:
    """The plan for ``month`` from the ``lookback`` months before it."""
    w = weights or Weights()
    recent = _cells(rows, add_months(month, -lookback), month)
    earlier = _cells(rows, add_months(month, -2 * lookback), add_months(month, -lookback))
    by_audience: Counter[Audience] = Counter()
    for (_, audience), cell in recent.items():
        by_audience[audience] += cell.score(w)  # type: ignore[assignment]
    ranked = [a for a, _ in by_audience.most_common() if a is not Audience.EVERYONE]
    audience = ranked[0] if ranked else Audience.EVERYONE
    mine = sorted(
        ((c, cell) for (c, a), cell in recent.items() if a is audience),
        key=lambda item: (-item[1].score(w), item[0]),
    )[:top]
    plan_rows = tuple(
        PlanRow(
            community=c,
            score=round(cell.score(w), 2),
            victims=cell.victims,
            loss_fen=cell.loss_fen,
            contacts=cell.contacts,
            warnings=cell.warnings,
            previous_score=round(earlier[(c, audience)].score(w), 2),
            reasons=_reasons(c, cell, earlier[(c, audience)].score(w), w, lookback),
        )
        for c, cell in mine
    )
    kinds: Counter[str] = Counter()
    for _, cell in mine:
        kinds.update(cell.types)
    chosen = tuple(t for t, _ in kinds.most_common(types))
    return Plan(
        month=month,
        audience=audience,
        fraud_types=chosen,
        rows=plan_rows,
        audience_scores={a.value: round(s, 2) for a, s in by_audience.most_common()},
        **_headlines(month, audience, plan_rows, chosen),
    )


def _headlines(
    month: dt.date, audience: Audience, rows: tuple[PlanRow, ...], chosen: tuple[str, ...]
) -> dict[str, str]:
    zh_aud, en_aud = AUDIENCES[audience]
    places = "、".join(r.community for r in rows)
    zh_types = "、".join(fraud_types.zh_name(t) for t in chosen)
    en_types = " and ".join(
        fraud_types.BY_CODE[t].en if t in fraud_types.BY_CODE else t for t in chosen
    )
    return {
        "headline_zh": f"{month:%Y年%m月}：面向{zh_aud}，重点在{len(rows)}个社区（{places}），"
        f"宣讲{zh_types}诈骗话术",
        "headline_en": f"{month:%Y-%m}: {en_aud} in these {len(rows)} communities "
        f"({', '.join(r.community for r in rows)}), {en_types} scripts",
    }


def heat_table(
    rows: Iterable[RiskRow], months: list[dt.date]
) -> dict[str, dict[dt.date, tuple[int, int, int]]]:
    """Per community and month: (warnings, victims, loss in yuan) — the map-like heat table."""
    table: dict[str, dict[dt.date, list[int]]] = defaultdict(lambda: {m: [0, 0, 0] for m in months})
    wanted = set(months)
    for row in rows:
        if row.month not in wanted or row.kind == "contacts":
            continue
        cell = table[row.community][row.month]
        if row.kind == "warnings":
            cell[0] += row.count
        else:
            cell[1] += row.count
            cell[2] += row.loss_fen // 100
    return {c: {m: (v[0], v[1], v[2]) for m, v in ms.items()} for c, ms in sorted(table.items())}
