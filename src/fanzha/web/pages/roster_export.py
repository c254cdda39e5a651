"""The volunteer roster as a file: ``/volunteers/export.csv`` and ``/volunteers/export.xlsx``.

For those who keep the roster (``publicity_edit``), in their scope (a station role: its own
station's people), with the roster page's filters (team, community, active). Phones are
masked as on the page; a text that a spreadsheet would run as a formula stays a text
(:mod:`fanzha.core.cells`); every download is audited (``export``, object ``roster``, with the
filters and the number of rows). Headers and labels are in the user's language.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import Response
from openpyxl import Workbook

from fanzha.core.cells import csv_row, is_formula_text
from fanzha.web.deps import Db, Now, PagePrincipal
from fanzha.web.i18n import translator
from fanzha.web.pages.roster import ROSTER_ARGS
from fanzha.web.render import language
from fanzha.workflow.audit import service as audit
from fanzha.workflow.roles import Permission, Principal
from fanzha.workflow.volunteer import service as roster
from fanzha.workflow.volunteer.service import RosterRow

router = APIRouter(include_in_schema=False)
EXPORT_LIMIT = 50_000
HEADERS = (
    "volunteer_name",
    "phone",
    "organisation",
    "volunteer_category",
    "team",
    "team_leader",
    "community",
    "station",
    "joined",
    "volunteer_state",
    "left_on",
)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Cell = str | int | None


def _rows(request: Request, db: Db, who: Principal) -> tuple[dict[str, str], list[RosterRow]]:
    q = request.query_params
    args = {k: q[k] for k in ROSTER_ARGS if q.get(k)}
    team = args.get("team", "")
    rows = roster.list_volunteers(
        session=db,
        principal=who,
        active={"yes": True, "no": False}.get(args.get("active", "")),
        team_id=int(team) if team.isdigit() else None,
        community=args.get("community"),
        limit=EXPORT_LIMIT,
    )
    return args, rows


def _table(rows: list[RosterRow], t: Callable[[str], str]) -> list[list[Cell]]:
    """Header and one line per volunteer, phone masked."""
    table: list[list[Cell]] = [[t(h) for h in HEADERS]]
    for r in rows:
        table.append(
            [
                r.name,
                r.phone_masked,
                r.organisation,
                t(f"vcat.{r.category}"),
                r.team or "",
                t("yes") if r.leader else "",
                r.community or "",
                r.station or "",
                r.joined_on.isoformat() if r.joined_on else "",
                t("on_roster") if r.active else t("left_roster"),
                r.left_on.isoformat() if r.left_on else "",
            ]
        )
    return table


def _audit(db: Db, who: Principal, now: Now, fmt: str, args: dict[str, str], n: int) -> None:
    audit.append(
        session=db,
        actor=who.label,
        action="export",
        object_type="roster",
        object_id=fmt,
        at=now,
        detail={"filters": args, "rows": n},
    )
    db.commit()


def _csv(table: list[list[Cell]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    for line in table:
        writer.writerow(csv_row(tuple(line)))
    return "\ufeff" + out.getvalue()  # a BOM, so Excel and WPS read UTF-8


def _xlsx(table: list[list[Cell]], title: str) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title[:31]
    for line in table:
        sheet.append(line)
        for cell in sheet[sheet.max_row]:  # as reporting.export_xlsx: never a formula
            if cell.data_type == "f" or is_formula_text(cell.value):
                cell.data_type = "s"
                cell.quotePrefix = True
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@router.get("/volunteers/export.csv")
def export_csv(request: Request, db: Db, who: PagePrincipal, now: Now) -> Response:
    """The filtered roster as CSV (UTF-8 with a BOM); phones masked; audited."""
    who.require(Permission.PUBLICITY_EDIT)
    args, rows = _rows(request, db, who)
    _audit(db, who, now, "csv", args, len(rows))
    body = _csv(_table(rows, translator(language(request))))
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="volunteers.csv"'},
    )


@router.get("/volunteers/export.xlsx")
def export_xlsx(request: Request, db: Db, who: PagePrincipal, now: Now) -> Response:
    """The filtered roster as XLSX; phones masked, no cell a formula; audited."""
    who.require(Permission.PUBLICITY_EDIT)
    args, rows = _rows(request, db, who)
    _audit(db, who, now, "xlsx", args, len(rows))
    t = translator(language(request))
    body = _xlsx(_table(rows, t), t("roster"))
    return Response(
        body,
        media_type=XLSX,
        headers={"Content-Disposition": 'attachment; filename="volunteers.xlsx"'},
    )
