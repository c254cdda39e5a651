"""Render evaluation figures as rich tables (the CLI prints them; JSON is written as is)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from fanzha.core.fraud_types import zh_name
from fanzha.core.levels import Level

FIGURES = (
    ("would_be_victims", "应被骗人数 would-be victims"),
    ("warned_before_loss", "损失前预警 warned before loss"),
    ("recall", "召回率 recall"),
    ("median_lead_minutes", "提前量中位数(分钟) median lead (min)"),
    ("warnings", "预警数 warnings"),
    ("precision", "准确率 precision (fraud-related)"),
    ("precision_engaged", "准确率(深度接触) precision (engaged)"),
    ("type_accuracy", "类型准确率 type accuracy"),
    ("warnings_per_day_per_100k", "每日每10万人预警 warnings/day/100k"),
)
BREAKDOWN = (
    ("would_be_victims", "victims"),
    ("warned_before_loss", "warned"),
    ("recall", "recall"),
    ("warnings", "warnings"),
    ("precision", "precision"),
    ("median_lead_minutes", "lead min"),
)


RATES = frozenset({"recall", "precision", "precision_engaged", "type_accuracy"})


def _cell(key: str, value: Any) -> str:
    if value is None:
        return "—"
    if key in RATES:
        return f"{value:.1%}"
    if isinstance(value, float):
        return f"{value:,.1f}"
    return f"{value:,}"


def overall_table(title: str, figures: dict[str, Any]) -> Table:
    """The headline figures, one per line."""
    table = Table(title=title)
    table.add_column("指标 figure")
    table.add_column("值 value", justify="right")
    for key, label in FIGURES:
        table.add_row(label, _cell(key, figures.get(key)))
    return table


def figures_table(title: str, rows: dict[str, dict[str, Any]]) -> Table:
    """A breakdown: a row per group, a few key figures per row."""
    table = Table(title=title)
    table.add_column("")
    for _, header in BREAKDOWN:
        table.add_column(header, justify="right")
    for name, figures in rows.items():
        table.add_row(name, *(_cell(key, figures.get(key)) for key, _ in BREAKDOWN))
    return table


def print_evaluation(result: dict[str, Any], console: Console) -> None:
    """Overall, per fraud type and per level."""
    window = result["window"]
    console.print(
        f"window: {window['start']} + {window['days']:g} days, {window['residents']:,} residents"
    )
    console.print(overall_table("总体 overall", result["overall"]))
    by_type = {f"{zh_name(k)} {k}": v for k, v in result["by_fraud_type"].items()}
    console.print(figures_table("按诈骗类型 by fraud type", by_type))
    by_level = {
        f"{Level(int(k)).zh} {Level(int(k)).name.lower()}": v for k, v in result["by_level"].items()
    }
    console.print(figures_table("按级别 by level", by_level))
    if "tiers" in result:
        from fanzha.evaluation.tier_report import print_tiers

        print_tiers(result["tiers"], console)
