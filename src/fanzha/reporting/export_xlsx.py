"""A report as an XLSX workbook: one sheet per section, numbers as numbers, native Excel charts.

Counts are integers, money is yuan with two decimals (``#,##0.00``), rates are fractions shown
as percentages (``0.0%``) — or the text ``—`` when there was nothing to divide by.
"""

from __future__ import annotations

import re
from pathlib import Path

from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from fanzha.core.cells import is_formula_text
from fanzha.reporting.document import Chart, Kind, Money, Report, Section, Table, Value
from fanzha.reporting.figures import DASH, Rate

BOLD = Font(bold=True)
HEAD_FILL = PatternFill("solid", fgColor="F3F3F3")
FORMATS: dict[str, str] = {"int": "#,##0", "yuan": "#,##0.00", "rate": "0.0%", "change": "+0.0%"}


def write_xlsx(report: Report, path: Path) -> Path:
    """Write ``report`` to ``path`` as an XLSX workbook."""
    book = Workbook()
    first = book.active
    assert first is not None  # a new workbook has one sheet
    book.remove(first)
    used: set[str] = set()
    for section in report.sections:
        sheet = book.create_sheet(_sheet_name(section.title, used))
        _write_section(sheet, report, section)
    book.save(path)
    return path


def _sheet_name(title: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\]", " ", title)[:28] or "Sheet"
    name, n = base, 2
    while name in used:
        name, n = f"{base[:26]}-{n}", n + 1
    used.add(name)
    return name


def _write_section(sheet: Worksheet, report: Report, section: Section) -> None:
    _append(sheet, [report.title])
    sheet["A1"].font = Font(bold=True, size=14)
    _append(sheet, [report.subtitle])
    if section.text:
        _append(sheet, [section.text])
    _append(sheet, [])
    anchors: dict[int, tuple[int, int]] = {}
    for table in section.tables:
        anchors[id(table)] = _write_table(sheet, table)
        _append(sheet, [])
    for n, chart in enumerate(section.charts):
        rows = anchors[id(chart.table)]
        corner = f"{_col(len(chart.table.columns) + 2)}{rows[0] + 18 * n}"
        _add_chart(sheet, chart, rows, corner)
    sheet.column_dimensions["A"].width = 34
    for i in range(2, 12):
        sheet.column_dimensions[_col(i)].width = 16


def _write_table(sheet: Worksheet, table: Table) -> tuple[int, int]:
    """Write the table; return (header row, last row)."""
    _append(sheet, [table.title])
    sheet.cell(sheet.max_row, 1).font = BOLD
    _append(sheet, [c.label for c in table.columns])
    header = sheet.max_row
    for i in range(1, len(table.columns) + 1):
        cell = sheet.cell(header, i)
        cell.font, cell.fill = BOLD, HEAD_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for row in table.rows:
        _append(sheet, [_cell(v, c.kind) for v, c in zip(row, table.columns, strict=True)])
        for i, (value, column) in enumerate(zip(row, table.columns, strict=True), start=1):
            fmt = _format(value, column.kind)
            if fmt:
                sheet.cell(sheet.max_row, i).number_format = fmt
    last = sheet.max_row
    if table.note:
        _append(sheet, [table.note])
        sheet.cell(sheet.max_row, 1).font = Font(italic=True, color="666666")
    return header, last


def _append(sheet: Worksheet, values: list[int | float | str | None]) -> None:
    """Append a row; a text that looks like a formula stays a text (no formula injection)."""
    sheet.append(values)
    for cell in sheet[sheet.max_row]:
        if cell.data_type == "f" or is_formula_text(cell.value):
            cell.data_type = "s"
            cell.quotePrefix = True


def _format(value: Value, kind: Kind) -> str | None:
    if isinstance(value, Rate):
        return FORMATS["rate"]
    if isinstance(value, Money):
        return FORMATS["yuan"]
    if isinstance(value, float) and kind == "int":
        return "#,##0.00"
    return FORMATS.get(kind)


def _cell(value: Value, kind: Kind) -> int | float | str | None:
    if value is None:
        return DASH
    if isinstance(value, Rate):
        return DASH if value.value is None else value.value
    if isinstance(value, Money):
        return value.fen / 100
    if kind == "yuan" and isinstance(value, int):
        return value / 100
    return value


def _add_chart(sheet: Worksheet, chart: Chart, rows: tuple[int, int], anchor: str) -> None:
    header, last = rows
    if last <= header:
        return
    plot = LineChart() if chart.kind == "line" else BarChart()
    plot.title = chart.title
    plot.height, plot.width = 8, 18
    for index in chart.series:
        data = Reference(sheet, min_col=index + 1, min_row=header, max_row=last)
        plot.add_data(data, titles_from_data=True)
    plot.set_categories(Reference(sheet, min_col=1, min_row=header + 1, max_row=last))
    sheet.add_chart(plot, anchor)


def _col(index: int) -> str:
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
