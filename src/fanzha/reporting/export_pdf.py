"""A report as PDF (reportlab): CJK text, tables, and charts drawn with reportlab.graphics.

Font: the first usable TrueType CJK font (``font`` argument, then :data:`FONT_CANDIDATES`) is
embedded. Debian's ``fonts-noto-cjk`` ships OpenType/CFF collections that reportlab cannot
embed, so without a TrueType CJK font the PDF uses reportlab's built-in ``STSong-Light`` CID
font: not embedded, every PDF reader supplies the glyphs (Adobe's Asian font packs, poppler's
fallbacks), and the text stays extractable.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, TableStyle
from reportlab.platypus import Table as PdfTable

from fanzha.reporting.document import Chart, Report, Section, Table, number, short_label, show

log = logging.getLogger(__name__)
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "C:/Windows/Fonts/simhei.ttf",
    "C:/Windows/Fonts/msyh.ttc",
)
CID_FONT = "STSong-Light"
PALETTE = (colors.HexColor("#b22222"), colors.HexColor("#1f5fa8"), colors.HexColor("#3a8f3a"))


@lru_cache(maxsize=4)
def cjk_font(path: str | None = None) -> str:
    """Register and return the name of a CJK font: an embeddable TrueType one, else the CID font."""
    for candidate in ([path] if path else []) + list(FONT_CANDIDATES):
        if not Path(candidate).is_file():
            continue
        try:
            pdfmetrics.registerFont(TTFont("FanzhaCJK", candidate, subfontIndex=0))
        except Exception as exc:  # reportlab raises plain errors (e.g. for CFF fonts)
            log.info("font %s not usable by reportlab: %s", candidate, exc)
            continue
        return "FanzhaCJK"
    pdfmetrics.registerFont(UnicodeCIDFont(CID_FONT))
    return CID_FONT


def write_pdf(report: Report, path: Path, *, font: str | None = None) -> Path:
    """Write ``report`` to ``path`` as PDF (A4 landscape)."""
    name = cjk_font(font)
    styles = _styles(name)
    doc = SimpleDocTemplate(
        str(path),
        pagesize=landscape(A4),
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=report.title,
    )
    story: list[Flowable] = [
        Paragraph(escape(report.title), styles["title"]),
        Paragraph(escape(report.subtitle), styles["body"]),
        Paragraph(escape(report.stamp), styles["body"]),
    ]
    for section in report.sections:
        story += _section(section, styles, name)
    doc.build(story)
    return path


def _styles(font: str) -> dict[str, ParagraphStyle]:
    return {
        "title": ParagraphStyle("title", fontName=font, fontSize=18, leading=24, spaceAfter=6),
        "h2": ParagraphStyle("h2", fontName=font, fontSize=13, leading=18, spaceBefore=10),
        "body": ParagraphStyle("body", fontName=font, fontSize=9, leading=13),
        "note": ParagraphStyle(
            "note", fontName=font, fontSize=8, leading=11, textColor=colors.grey
        ),
        "cell": ParagraphStyle("cell", fontName=font, fontSize=8, leading=10),
    }


def _section(section: Section, styles: dict[str, ParagraphStyle], font: str) -> list[Flowable]:
    out: list[Flowable] = [Paragraph(escape(section.title), styles["h2"])]
    if section.text:
        out.append(Paragraph(escape(section.text), styles["body"]))
    for table in section.tables:
        out += [Spacer(1, 3 * mm), _table(table, styles)]
        if table.note:
            out.append(Paragraph(escape(table.note), styles["note"]))
    for chart in section.charts:
        out += [Spacer(1, 3 * mm), _chart(chart, font)]
    return out


def _table(table: Table, styles: dict[str, ParagraphStyle]) -> PdfTable:
    head = [Paragraph(escape(c.label), styles["cell"]) for c in table.columns]
    body = [
        [show(v, c.kind) for v, c in zip(row, table.columns, strict=True)] for row in table.rows
    ]
    pdf = PdfTable([head, *body], repeatRows=1)
    style: list[Any] = [
        ("FONTNAME", (0, 0), (-1, -1), styles["cell"].fontName),
        ("FONTSIZE", (0, 0), (-1, -1), 8),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.lightgrey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f3f3f3")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]
    for i, column in enumerate(table.columns):
        if column.kind != "text":
            style.append(("ALIGN", (i, 1), (i, -1), "RIGHT"))
    pdf.setStyle(TableStyle(style))
    return pdf


def _chart(chart: Chart, font: str, width: float = 250 * mm, height: float = 70 * mm) -> Drawing:
    table = chart.table
    data = [[number(r[i], table.columns[i].kind) or 0.0 for r in table.rows] for i in chart.series]
    drawing = Drawing(width, height)
    plot: Any = HorizontalLineChart() if chart.kind == "line" else VerticalBarChart()
    plot.x, plot.y, plot.width, plot.height = 40, 30, int(width - 200), int(height - 50)
    plot.data = data or [[0.0]]
    plot.categoryAxis.categoryNames = [short_label(str(r[0])) for r in table.rows] or [""]
    plot.categoryAxis.labels.fontName = font
    plot.categoryAxis.labels.fontSize = 6
    plot.categoryAxis.labels.angle = 30 if len(table.rows) > 8 else 0
    plot.valueAxis.labels.fontSize = 7
    plot.valueAxis.valueMin = 0
    for k in range(len(data)):
        colour = PALETTE[k % len(PALETTE)]
        if chart.kind == "line":
            plot.lines[k].strokeColor = colour
        else:
            plot.bars[k].fillColor = colour
    drawing.add(plot)
    drawing.add(_legend(chart, font, width))
    drawing.add(String(40, height - 12, chart.title, fontName=font, fontSize=10))
    return drawing


def _legend(chart: Chart, font: str, width: float) -> Legend:
    legend = Legend()
    legend.x, legend.y = int(width - 150), 60
    legend.fontName, legend.fontSize = font, 8
    legend.colorNamePairs = [
        (PALETTE[k % len(PALETTE)], chart.table.columns[i].label)
        for k, i in enumerate(chart.series)
    ]
    return legend
