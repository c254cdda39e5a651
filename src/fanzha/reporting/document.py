"""A report as data: sections of key figures, tables and charts, independent of the format.

Values keep their type until an exporter shows them: counts are ``int``, money is fen in a
column of kind ``yuan``, rates are :class:`~fanzha.reporting.figures.Rate` (shown as ``—``
when there is nothing to divide by). XLSX writes numbers with number formats; HTML and PDF
write :func:`show`'s text.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

from fanzha.reporting.figures import DASH, Rate, percent, yuan

Kind = Literal["int", "yuan", "rate", "text", "change"]


@dataclass(frozen=True)
class Money:
    """An amount in fen in a column of mixed kinds (shown in yuan whatever the column)."""

    fen: int


Value = int | float | str | Rate | Money | None


@dataclass(frozen=True)
class Column:
    """A table column: its heading and how its values are shown."""

    label: str
    kind: Kind = "int"


@dataclass(frozen=True)
class Table:
    """Rows of values under columns; ``note`` is printed below (e.g. "self-reported")."""

    title: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Value, ...], ...]
    note: str = ""


@dataclass(frozen=True)
class Chart:
    """A bar or line chart of some numeric columns of a table (by column index).

    ``categories`` is the table's first column. Rates are charted in percent, money in yuan.
    """

    title: str
    table: Table
    series: tuple[int, ...]
    kind: Literal["bar", "line"] = "bar"


@dataclass(frozen=True)
class Section:
    """A heading with tables and charts."""

    title: str
    tables: tuple[Table, ...] = ()
    charts: tuple[Chart, ...] = ()
    text: str = ""


@dataclass(frozen=True)
class Report:
    """A whole report."""

    title: str
    subtitle: str
    generated_at: dt.datetime
    lang: str
    stamp: str = ""  # "generated at …" in the report's language
    sections: tuple[Section, ...] = field(default_factory=tuple)


def show(value: Value, kind: Kind) -> str:
    """The text of a value: ``1,234.56`` for fen, ``75.0%`` for a rate, ``—`` for none."""
    if value is None:
        return DASH
    if isinstance(value, Rate):
        return percent(value)
    if isinstance(value, Money):
        return yuan(value.fen)
    if kind == "yuan" and isinstance(value, int):
        return yuan(value)
    if kind == "change" and isinstance(value, float):
        return f"{value * 100:+.1f}%"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value)


def number(value: Value, kind: Kind) -> float | None:
    """The value as a chartable number: rates in percent, fen in yuan; ``None`` if none."""
    if value is None or isinstance(value, str):
        return None
    if isinstance(value, Rate):
        return None if value.value is None else round(value.value * 100, 2)
    if isinstance(value, Money):
        return value.fen / 100
    if kind == "yuan":
        return value / 100
    if kind == "change":
        return round(value * 100, 2)
    return float(value)


def short_label(label: str) -> str:
    """A chart's category label: ``2026-10-01..2026-10-04`` → ``10-01~10-04``."""
    first, sep, last = label.partition("..")
    return f"{first[5:]}~{last[5:]}" if sep else label
