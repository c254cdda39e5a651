"""Render the tier figures of an evaluation (see :mod:`fanzha.evaluation.tier_metrics`)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

TIER_NAMES = {
    "one_to_one": "一对一 one-to-one",
    "assisted": "辅助 assisted",
    "automated": "自动 automated",
    "watch": "观察 watch",
}
HEADLINE = (
    ("desk_per_day_per_100k", "一对一每日每10万人 one-to-one/day/100k"),
    ("desk_listed_per_day_per_100k", "  规则列入 listed by the rules"),
    ("desk_escalated_per_day_per_100k", "  外呼未确认升级 escalated by an unconfirmed contact"),
    ("desk_precision_engaged", "一对一准确率(深度接触) one-to-one precision (engaged)"),
    ("held_below_gate", "未达人工门槛、留辅助 held below the officer gate"),
    ("held_engaged", "  其中深度接触 of them engaged"),
    ("calls_repeated", "未接通重拨 robot calls made again (unanswered/failed)"),
    ("calls_repeated_engaged", "  其中深度接触 of them engaged"),
    ("reached_before_loss", "损失前触达率 reached before loss"),
    ("victims_reached_before_loss", "损失前触达人数 victims reached before loss"),
    (
        "reached_before_loss_with_outcomes",
        "损失前实际触达率(模拟外呼结果) reached before loss (simulated outcomes)",
    ),
    ("high_engaged_precision", "高+紧急准确率(深度接触) 高+紧急 precision (engaged)"),
    (
        "high_engaged_precision_with_victim_model",
        "高+紧急准确率(受骗模型) 高+紧急 precision (engaged, victim model)",
    ),
)
RATES = frozenset(
    {
        "desk_precision_engaged",
        "reached_before_loss",
        "reached_before_loss_with_outcomes",
        "high_engaged_precision",
        "high_engaged_precision_with_victim_model",
        "precision_engaged",
    }
)


def _cell(key: str, value: Any) -> str:
    if value is None:
        return "—"
    if key in RATES:
        return f"{value:.1%}"
    if isinstance(value, float):
        return f"{value:,.1f}"
    return f"{value:,}"


def print_tiers(tiers: dict[str, Any], console: Console) -> None:
    """The headline tier figures, then one row per tier."""
    head = Table(title="分级响应 tiered response")
    head.add_column("指标 figure")
    head.add_column("值 value", justify="right")
    for key, label in HEADLINE:
        if key in tiers:
            head.add_row(label, _cell(key, tiers[key]))
    console.print(head)
    table = Table(title="按层级 by tier")
    table.add_column("")
    columns = ("warnings", "per_day_per_100k", "precision_engaged", "victims_reached_before_loss")
    for name in ("warnings", "per day/100k", "precision (engaged)", "victims reached"):
        table.add_column(name, justify="right")
    for tier, figures in tiers["by_tier"].items():
        table.add_row(TIER_NAMES.get(tier, tier), *(_cell(c, figures.get(c)) for c in columns))
    console.print(table)
