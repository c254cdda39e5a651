"""The queue, the warning detail and the handling forms."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from fanzha.core import fraud_types
from fanzha.errors import ConflictError, NotFoundError, PermissionDeniedError, WorkflowError
from fanzha.web.deps import Csrf, Db, Desk, Now, PagePrincipal
from fanzha.web.pages import restriction_rows
from fanzha.web.pages.context import detail_context, queue_filter
from fanzha.web.render import render
from fanzha.workflow.action.models import ActionCreate, ActionKind
from fanzha.workflow.outcome import flows as outcomes
from fanzha.workflow.outcome.models import OutcomeCreate
from fanzha.workflow.roles import Permission
from fanzha.workflow.station import service as stations
from fanzha.workflow.warning import flows, service
from fanzha.workflow.warning.intake import LeadCreate
from fanzha.workflow.warning.intake import create as create_lead
from fanzha.workflow.warning.models import EarlyWarning

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form(max_length=2000)]


@router.get("/queue", response_class=HTMLResponse)
def queue_page(request: Request, db: Db, desk: Desk, who: PagePrincipal, now: Now) -> Response:
    """Warnings in scope, filtered, most urgent first."""
    filters, page, args = queue_filter(request, who)
    size = desk.settings.page_size
    rows = service.queue_rows(
        session=db, principal=who, filters=filters, now=now, limit=size + 1, offset=page * size
    )
    context = {
        "rows": rows[:size],
        "has_next": len(rows) > size,
        "page": page,
        "args": args,
        "counts": _counts(desk, who, now),
        "stations": _station_codes(db) if who.station is None else [],
        "types": fraud_types.TYPES,
        "statuses": service.STATUSES,
    }
    return render(request, "queue.html", context)


def _counts(desk: Desk, who: PagePrincipal, now: Now) -> dict[str, int]:
    """Open warnings per level for the header, from the desk's shared cache (refreshed by the
    clock tick every few seconds; the rows themselves are always fresh)."""
    return service.counts_in_scope(desk.counts.get(desk.factory, now), who)


def _station_codes(db: Db) -> list[str]:
    return [s.code for s in stations.list_all(session=db)]


@router.get("/warnings/{warning_id}", response_class=HTMLResponse)
def detail_page(
    request: Request, warning_id: int, db: Db, desk: Desk, who: PagePrincipal, now: Now
) -> Response:
    """One warning: reasons, evidence timeline, actions, outcomes and the forms (view audited,
    by group commit: the record is committed before the page is rendered)."""
    warning = flows.view(
        session=db, principal=who, warning_id=warning_id, now=now, group=desk.views
    )
    db.commit()
    return _detail(request, db, who, warning_id, {}, warning=warning)


def _detail(
    request: Request,
    db: Db,
    who: PagePrincipal,
    warning_id: int,
    extra: dict[str, Any],
    status_code: int = 200,
    *,
    warning: EarlyWarning | None = None,
) -> Response:
    if warning is None:
        warning = service.get(session=db, principal=who, warning_id=warning_id)
    context = detail_context(db, who, warning)
    context["restrictions"] = restriction_rows.of_warning(
        db, warning.id, request.app.state.desk.clock()
    )
    return render(request, "detail.html", {**context, **extra}, status_code)


def _back(warning_id: int, msg: str = "saved") -> RedirectResponse:
    return RedirectResponse(f"/warnings/{warning_id}?msg={msg}", status_code=303)


def _failed(
    request: Request,
    db: Db,
    who: PagePrincipal,
    warning_id: int,
    exc: Exception,
    form: dict[str, Any],
) -> Response:
    """Re-render the detail with the error and the user's entries kept (nothing is lost)."""
    db.rollback()
    if isinstance(exc, NotFoundError | PermissionDeniedError):
        raise exc  # mapped in one place (fanzha.web.errors)
    status = 409 if isinstance(exc, ConflictError) else 422
    message = exc.message if isinstance(exc, WorkflowError) else _pydantic_message(exc)
    extra = {
        "error": message,
        "error_kind": "conflict" if status == 409 else "invalid",
        "form": form,
    }
    return _detail(request, db, who, warning_id, extra, status)


def _pydantic_message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(f"{e['loc'][-1] if e['loc'] else ''}: {e['msg']}" for e in exc.errors())
    return str(exc)


@router.post("/warnings/{warning_id}/sign")
def sign(
    request: Request, warning_id: int, db: Db, desk: Desk, who: PagePrincipal, now: Now, _: Csrf
) -> Response:
    """签收."""
    try:
        flows.sign(session=db, principal=who, warning_id=warning_id, config=desk.config, now=now)
        db.commit()
    except WorkflowError as exc:
        return _failed(request, db, who, warning_id, exc, {})
    return _back(warning_id)


@router.post("/warnings/{warning_id}/action")
async def act(
    request: Request, warning_id: int, db: Db, desk: Desk, who: PagePrincipal, now: Now, _: Csrf
) -> Response:
    """Record an action (call, SMS, relative, visit, operator assistance, stop-payment)."""
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    try:
        data = ActionCreate(
            kind=ActionKind(form.get("kind", "")),
            result=form.get("result") or None,
            note=form.get("note", ""),
            reason=form.get("reason") or None,
            notice=form.get("notice") or None,
            appeal_channel=form.get("appeal_channel") or None,
        )
        flows.act(
            session=db, principal=who, warning_id=warning_id, data=data, config=desk.config, now=now
        )
        db.commit()
    except (WorkflowError, ValidationError, ValueError) as exc:
        return _failed(request, db, who, warning_id, exc, form)
    return _back(warning_id)


@router.post("/warnings/{warning_id}/outcome")
async def outcome(
    request: Request, warning_id: int, db: Db, desk: Desk, who: PagePrincipal, now: Now, _: Csrf
) -> Response:
    """Submit an outcome; a conflict re-renders the form with the entry kept."""
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    try:
        data = OutcomeCreate.model_validate(
            {k: v for k, v in form.items() if v != "" and k in OutcomeCreate.model_fields}
        )
        outcomes.record(
            session=db, principal=who, warning_id=warning_id, data=data, config=desk.config, now=now
        )
        db.commit()
    except (WorkflowError, ValidationError) as exc:
        return _failed(request, db, who, warning_id, exc, form)
    return _back(warning_id)


@router.post("/warnings/{warning_id}/reveal", response_class=HTMLResponse)
def reveal(
    request: Request,
    warning_id: int,
    db: Db,
    who: PagePrincipal,
    now: Now,
    _: Csrf,
    purpose: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Show the full number once, after recording the purpose in the audit log."""
    try:
        shown = flows.reveal(
            session=db, principal=who, warning_id=warning_id, purpose=purpose, now=now
        )
        db.commit()
    except WorkflowError as exc:
        return _failed(request, db, who, warning_id, exc, {"purpose": purpose})
    return _detail(request, db, who, warning_id, {"revealed": shown})


@router.post("/warnings/{warning_id}/transfer")
def transfer(
    request: Request,
    warning_id: int,
    db: Db,
    desk: Desk,
    who: PagePrincipal,
    now: Now,
    _: Csrf,
    to_station: Annotated[str, Form()] = "",
    note: Text = "",
) -> Response:
    """移交 to another station or out of the area."""
    try:
        flows.transfer(
            session=db,
            principal=who,
            warning_id=warning_id,
            to_station=to_station or None,
            note=note,
            config=desk.config,
            now=now,
        )
        db.commit()
    except WorkflowError as exc:
        return _failed(request, db, who, warning_id, exc, {"note": note})
    if not who.station:
        return _back(warning_id)
    return RedirectResponse("/queue?msg=saved", status_code=303)


@router.post("/warnings/{warning_id}/assign")
def assign(
    request: Request,
    warning_id: int,
    db: Db,
    who: PagePrincipal,
    now: Now,
    _: Csrf,
    user_id: Annotated[str, Form()] = "",
) -> Response:
    """Manual reassignment."""
    try:
        flows.assign(
            session=db,
            principal=who,
            warning_id=warning_id,
            user_id=int(user_id) if user_id else None,
            now=now,
        )
        db.commit()
    except WorkflowError as exc:
        return _failed(request, db, who, warning_id, exc, {})
    return _back(warning_id)


@router.get("/new", response_class=HTMLResponse)
def new_lead_form(request: Request, who: PagePrincipal) -> Response:
    """Form to enter a lead by hand."""
    who.require(Permission.CREATE)
    return render(request, "new.html", {"types": fraud_types.TYPES, "form": {}, "error": None})


@router.post("/new")
async def new_lead(
    request: Request, db: Db, desk: Desk, who: PagePrincipal, now: Now, _: Csrf
) -> Response:
    """Create and route a lead entered by hand."""
    who.require(Permission.CREATE)
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    try:
        data = LeadCreate.model_validate(
            {k: v for k, v in form.items() if v != "" and k in LeadCreate.model_fields}
            | {"source": "manual"}
        )
        warning = create_lead(session=db, principal=who, data=data, config=desk.config, now=now)
        db.commit()
    except (WorkflowError, ValidationError) as exc:
        db.rollback()
        message = exc.message if isinstance(exc, WorkflowError) else _pydantic_message(exc)
        context = {"types": fraud_types.TYPES, "form": form, "error": message}
        return render(request, "new.html", context, 422)
    return _back(warning.id)
