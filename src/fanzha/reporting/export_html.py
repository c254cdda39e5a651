"""A report as one self-contained HTML file: inline CSS, inline SVG charts, no external assets."""

from __future__ import annotations

from html import escape
from pathlib import Path

from fanzha.reporting.document import Chart, Report, Section, Table, number, short_label, show

CSS = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:2em;color:#222}
h1{font-size:1.5em;margin-bottom:.2em}
h2{font-size:1.15em;border-bottom:2px solid #b22;margin-top:1.6em}
.sub{color:#555}table{border-collapse:collapse;margin:.6em 0;font-size:.9em}
th,td{border:1px solid #ccc;padding:.25em .6em}th{background:#f3f3f3}td.n{text-align:right}
.note{color:#666;font-size:.85em}svg{display:block;margin:.6em 0}
"""
COLOURS = ("#b22222", "#1f5fa8", "#3a8f3a", "#c98a00")


def write_html(report: Report, path: Path) -> Path:
    """Write ``report`` to ``path`` as HTML."""
    path.write_text(render_html(report), encoding="utf-8")
    return path


def render_html(report: Report) -> str:
    """The report's HTML text."""
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{"en" if report.lang == "en" else "zh-CN"}"><head><meta charset="utf-8">',
        f"<title>{escape(report.title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{escape(report.title)}</h1>",
        f'<p class="sub">{escape(report.subtitle)}<br>',
        f"{escape(report.stamp)}</p>",
    ]
    parts += [_section(s) for s in report.sections]
    parts.append("</body></html>")
    return "\n".join(parts)


def _section(section: Section) -> str:
    out = [f"<h2>{escape(section.title)}</h2>"]
    if section.text:
        out.append(f"<p>{escape(section.text)}</p>")
    out += [_table(t) for t in section.tables]
    out += [_chart(c) for c in section.charts]
    return "\n".join(out)


def _table(table: Table) -> str:
    head = "".join(f"<th>{escape(c.label)}</th>" for c in table.columns)
    body = []
    for row in table.rows:
        cells = "".join(
            f'<td class="{"" if c.kind == "text" else "n"}">{escape(show(v, c.kind))}</td>'
            for v, c in zip(row, table.columns, strict=True)
        )
        body.append(f"<tr>{cells}</tr>")
    note = f'<p class="note">{escape(table.note)}</p>' if table.note else ""
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>{note}"


def _chart(chart: Chart, width: int = 720, height: int = 260) -> str:
    table = chart.table
    labels = [short_label(str(r[0])) for r in table.rows]
    series = [
        (table.columns[i].label, [number(r[i], table.columns[i].kind) or 0.0 for r in table.rows])
        for i in chart.series
    ]
    top = max([v for _, vs in series for v in vs] + [1.0])
    left, bottom, plot_w, plot_h = 60, 60, width - 80, height - 90
    svg = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'role="img" aria-label="{escape(chart.title)}">',
        f'<text x="{left}" y="16" font-size="13">{escape(chart.title)}</text>',
        f'<line x1="{left}" y1="{height - bottom}" x2="{left + plot_w}" y2="{height - bottom}" '
        'stroke="#888"/>',
        f'<text x="4" y="{height - bottom - plot_h + 4}" font-size="10">{top:,.0f}</text>',
    ]
    step = plot_w / max(len(labels), 1)
    for k, (name, values) in enumerate(series):
        colour = COLOURS[k % len(COLOURS)]
        svg += _marks(
            chart.kind, values, k, len(series), step, top, left, height - bottom, plot_h, colour
        )
        svg.append(
            f'<text x="{left + 300 + 200 * k}" y="16" font-size="11" fill="{colour}">'
            f"■ {escape(name)}</text>"
        )
    every = max(1, len(labels) // 16)
    for i, label in enumerate(labels):
        if i % every == 0:
            x, y = left + step * (i + 0.5), height - bottom + 12
            svg.append(
                f'<text x="{x:.1f}" y="{y}" font-size="9" text-anchor="end" '
                f'transform="rotate(-30 {x:.1f} {y})">{escape(label[:12])}</text>'
            )
    svg.append("</svg>")
    return "".join(svg)


def _marks(
    kind: str,
    values: list[float],
    k: int,
    n: int,
    step: float,
    top: float,
    left: float,
    base: float,
    plot_h: float,
    colour: str,
) -> list[str]:
    if kind == "line":
        points = " ".join(
            f"{left + step * (i + 0.5):.1f},{base - v / top * plot_h:.1f}"
            for i, v in enumerate(values)
        )
        return [f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}"/>']
    bar = step * 0.8 / n
    return [
        f'<rect x="{left + step * i + step * 0.1 + bar * k:.1f}" y="{base - v / top * plot_h:.1f}" '
        f'width="{bar:.1f}" height="{v / top * plot_h:.1f}" fill="{colour}"/>'
        for i, v in enumerate(values)
    ]
