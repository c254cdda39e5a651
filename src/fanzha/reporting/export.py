"""Write a report in one of the export formats, and record the export in the audit log."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy.orm import Session

from fanzha.reporting.document import Report
from fanzha.reporting.errors import ReportError
from fanzha.reporting.export_html import write_html
from fanzha.reporting.export_pdf import write_pdf
from fanzha.reporting.export_xlsx import write_xlsx
from fanzha.workflow.audit import service as audit

FORMATS = ("xlsx", "pdf", "html")


def write_report(report: Report, fmt: str, path: Path, *, font: str | None = None) -> Path:
    """Write ``report`` to ``path`` as ``xlsx``, ``pdf`` or ``html``."""
    if fmt not in FORMATS:
        raise ReportError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    if not path.parent.is_dir():
        raise ReportError("the output directory does not exist", path=path.parent)
    if fmt == "xlsx":
        return write_xlsx(report, path)
    if fmt == "pdf":
        return write_pdf(report, path, font=font)
    return write_html(report, path)


def audit_export(
    *, session: Session, actor: str, kind: str, period: str, fmt: str, at: dt.datetime
) -> None:
    """Append the export to the audit log (aggregates only, but every export is recorded)."""
    audit.append(
        session=session,
        actor=actor,
        action="export",
        object_type="report",
        object_id=f"{kind}:{period}",
        at=at,
        detail={"kind": kind, "period": period, "format": fmt},
    )
