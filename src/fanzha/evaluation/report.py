"""Render evaluation figures as rich tables (the CLI prints them; JSON is written as is)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from fanzha.core.fraud_types import zh_name
from fanzha.core.levels import Level

COLUMNS = (
    ("would_be_victims", "应被骗 victims"),
    ("warned_before_loss", "损失前预警 warned"),
    ("recall", "召回 recall"),
    ("warnings", "预警 warnings"),
    ("precision", "准确率 precision"),
    ("precision_engaged", "准确率(深度) engaged"),
    ("type_accuracy", "类型准确 type acc."),
    ("median_lead_minutes", "提前(中位,分) lead min"),
    ("warnings_per_day_per_100k", "每日每10万 /day/100k"),
)


def _cell(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.1%}" if value <= 1.0 and not float(value).is_integer() else f"{value:g}"
    return str(value)


def figures_table(title: str, rows: dict[str, dict[str, Any]]) -> Table:
    """One table: a row per group, a column per figure."""
    table = Table(title=title)
    table.add_column("")
    for _, header in COLUMNS:
        table.add_column(header, justify="right")
    for name, figures in rows.items():
        table.add_row(name, *(_cell(figures.get(key)) for key, _ in COLUMNS))
    return table


def print_evaluation(result: dict[str, Any], console: Console) -> None:
    """Overall, per fraud type and per level."""
    window = result["window"]
    console.print(
        f"window: {window['start']} + {window['days']:g} days, {window['residents']:,} residents"
    )
    console.print(figures_table("总体 overall", {"all": result["overall"]}))
    by_type = {f"{zh_name(k)} {k}": v for k, v in result["by_fraud_type"].items()}
    console.print(figures_table("按诈骗类型 by fraud type", by_type))
    by_level = {
        f"{Level(int(k)).zh} {Level(int(k)).name.lower()}": v for k, v in result["by_level"].items()
    }
    console.print(figures_table("按级别 by level", by_level))
