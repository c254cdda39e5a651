"""``fanzha report``: the daily brief, weekly and monthly reports and the trial evaluation."""

from __future__ import annotations

import getpass
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from fanzha.cli.common import settings_with
from fanzha.reporting.build import KINDS, build_report
from fanzha.reporting.config import from_settings
from fanzha.reporting.errors import ReportError
from fanzha.reporting.export import FORMATS, audit_export, write_report
from fanzha.reporting.periods import parse_period
from fanzha.store.database import make_engine, session_factory, upgrade
from fanzha.workflow.clock import local_now


def register(app: typer.Typer) -> None:
    """Add the ``report`` command to the app."""
    app.command("report")(report_command)


def report_command(
    period: Annotated[
        str, typer.Option(help="2026-10-05, 2026-W44, 2026-10, 2026 or 2026-10-01..2026-10-31")
    ],
    out: Annotated[Path, typer.Option(help="file to write")],
    kind: Annotated[str, typer.Option(help="daily, weekly, monthly or trial")] = "monthly",
    fmt: Annotated[str, typer.Option("--format", help="xlsx, pdf or html")] = "xlsx",
    lang: Annotated[str, typer.Option(help="zh (default) or en")] = "zh",
    db: Annotated[
        str | None, typer.Option("--db", help="workflow store URL (default: the configured one)")
    ] = None,
    font: Annotated[
        Path | None, typer.Option(help="a TrueType CJK font to embed in the PDF")
    ] = None,
) -> None:
    """Write a report of the workflow store's figures for a period (audited as an export)."""
    _check(kind, fmt, lang)
    settings = settings_with(database_url=db)
    url = settings.effective_database_url
    upgrade(url)
    factory = session_factory(make_engine(url))
    parsed = parse_period(period)
    now = local_now(settings.timezone).replace(microsecond=0)
    started = time.perf_counter()
    with factory.begin() as session:
        report = build_report(
            session,
            parsed,
            kind,
            from_settings(settings),
            lang=lang,
            as_of=now,
            rule_label=_rule_labeller(lang),
        )
        write_report(report, fmt, out, font=str(font) if font else None)
        audit_export(
            session=session,
            actor=f"cli:{getpass.getuser()}",
            kind=kind,
            period=parsed.label,
            fmt=fmt,
            at=now,
        )
    typer.echo(f"{report.title} {parsed.label} → {out} ({time.perf_counter() - started:.1f} s)")


def _check(kind: str, fmt: str, lang: str) -> None:
    if kind not in KINDS:
        raise ReportError(f"--kind must be one of {', '.join(KINDS)}", kind=kind)
    if fmt not in FORMATS:
        raise ReportError(f"--format must be one of {', '.join(FORMATS)}", format=fmt)
    if lang not in ("zh", "en"):
        raise ReportError("--lang must be zh or en", lang=lang)


def _rule_labeller(lang: str) -> Callable[[str], str]:
    """The desk's words for signal kinds (``fanzha.web.i18n``), falling back to the code."""
    from fanzha.web.i18n import translator

    t = translator(lang)

    def label(kind: str) -> str:
        text = t(f"signal.{kind}")
        return kind if text == f"signal.{kind}" else f"{text} ({kind})"

    return label
