"""The case registry's pages: the list with sums, the entry form, the detail with its clocks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from fanzha.core import fraud_types
from fanzha.core.masking import mask_account
from fanzha.errors import ConflictError, NotFoundError, PermissionDeniedError, WorkflowError
from fanzha.web.deps import Csrf, Db, Desk, Now, PagePrincipal
from fanzha.web.render import render
from fanzha.workflow.case import flows, service
from fanzha.workflow.case.models import Case
from fanzha.workflow.case.rows import parse_time
from fanzha.workflow.case.schemas import (
    AccountCreate,
    CaseClocks,
    CaseCreate,
    fen_of,
)
from fanzha.workflow.roles import Permission, Principal
from fanzha.workflow.station import service as stations

router = APIRouter(include_in_schema=False)
FILTER_ARGS = ("from", "to", "station", "type", "solved")


def clocks_of(desk: Desk) -> CaseClocks:
    """The stop-payment clocks of the running desk."""
    s = desk.settings
    return CaseClocks(s.case_stop_minutes, s.case_receive_only_hours)


def _day(text: str | None) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(text.strip()) if text and text.strip() else None
    except ValueError:
        return None


def case_filter(request: Request) -> tuple[service.CaseFilter, int, dict[str, str]]:
    """Filters (period on the report time, station, type, solved), page, and the query args."""
    q = request.query_params
    args = {k: q[k] for k in FILTER_ARGS if q.get(k)}
    until = _day(q.get("to"))
    filters = service.CaseFilter(
        since=_day(q.get("from")),
        until=until + dt.timedelta(days=1) if until else None,  # "to" is an inclusive day
        station=q.get("station") or None,
        fraud_type=q.get("type") or None,
        solved={"yes": True, "no": False}.get(q.get("solved") or ""),
    )
    page = int(q["page"]) if (q.get("page") or "").isdigit() else 0
    return filters, page, args


@router.get("/cases", response_class=HTMLResponse)
def cases_page(request: Request, db: Db, desk: Desk, who: PagePrincipal) -> Response:
    """Cases in scope, latest report first, with the sums of loss, frozen and returned."""
    filters, page, args = case_filter(request)
    size = desk.settings.page_size
    rows = service.list_cases(
        session=db, principal=who, filters=filters, limit=size + 1, offset=page * size
    )
    context = {
        "rows": rows[:size],
        "accounts": service.accounts_of(session=db, case_ids=[c.id for c in rows[:size]]),
        "totals": service.totals(session=db, principal=who, filters=filters),
        "has_next": len(rows) > size,
        "page": page,
        "args": args,
        "prev_link": _link(args, page - 1),
        "next_link": _link(args, page + 1),
        "stations": _stations(db) if who.station is None else [],
        "types": fraud_types.TYPES,
        "mask_account": mask_account,
    }
    return render(request, "cases.html", context)


def _link(args: dict[str, str], page: int) -> str:
    return "/cases?" + urlencode({**args, "page": page})


def _stations(db: Db) -> list[str]:
    return [s.code for s in stations.list_all(session=db)]


def _form(raw: Any) -> dict[str, str]:
    return {k: v for k, v in raw.items() if isinstance(v, str)}


def _time(form: dict[str, str], name: str, desk: Desk) -> dt.datetime | None:
    text = form.get(name, "").strip()
    if not text:
        return None
    try:
        return parse_time(text, desk.settings.timezone)
    except ValueError as exc:
        raise WorkflowError(f"{name}: {exc}", field=name) from exc


def _message(exc: Exception) -> str:
    if isinstance(exc, WorkflowError):
        return exc.message
    if isinstance(exc, ValidationError):
        return "; ".join(f"{e['loc'][-1] if e['loc'] else ''}: {e['msg']}" for e in exc.errors())
    return str(exc)


@router.get("/cases/new", response_class=HTMLResponse)
def new_case_form(request: Request, db: Db, who: PagePrincipal, now: Now) -> Response:
    """The entry form of a fraud report."""
    who.require(Permission.CASE_EDIT)
    form = {"reported_at": now.strftime("%Y-%m-%dT%H:%M")}
    return render(request, "case_new.html", _new_context(db, form, None))


def _new_context(db: Db, form: dict[str, str], error: str | None) -> dict[str, Any]:
    choices = [(s.code, s.name) for s in stations.list_all(session=db, active_only=True)]
    return {"types": fraud_types.TYPES, "form": form, "error": error, "stations": choices}


@router.post("/cases/new")
async def new_case(
    request: Request, db: Db, desk: Desk, who: PagePrincipal, now: Now, _: Csrf
) -> Response:
    """Create a case (with its first payee account when given); errors keep what was typed."""
    who.require(Permission.CASE_EDIT)
    form = _form(await request.form())
    try:
        data = _case_data(form, desk)
        case, outcome = flows.save(
            session=db, principal=who, data=data, clocks=clocks_of(desk), now=now
        )
        if outcome != "created":
            raise WorkflowError("a case with this number exists already", case_no=data.case_no)
        db.commit()
    except (WorkflowError, ValidationError, ValueError) as exc:
        db.rollback()
        if isinstance(exc, PermissionDeniedError):
            raise
        return render(request, "case_new.html", _new_context(db, form, _message(exc)), 422)
    return RedirectResponse(f"/cases/{case.id}?msg=saved", status_code=303)


def _case_data(form: dict[str, str], desk: Desk) -> CaseCreate:
    fields = (
        "case_no",
        "phone",
        "victim_age",
        "community",
        "station",
        "fraud_type",
        "loss",
        "note",
    )
    values: dict[str, Any] = {k: form[k] for k in fields if form.get(k, "").strip()}
    values["reported_at"] = _time(form, "reported_at", desk)
    values["occurred_at"] = _time(form, "occurred_at", desk)
    if form.get("account", "").strip():
        values["accounts"] = [_account_data(form, desk)]
    return CaseCreate.model_validate(values)


def _account_data(form: dict[str, str], desk: Desk) -> AccountCreate:
    return AccountCreate(
        account=form.get("account", ""),
        bank=form.get("bank", ""),
        paid=form.get("paid") or "0",
        paid_at=_time(form, "paid_at", desk),
    )


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_page(
    request: Request, case_id: int, db: Db, desk: Desk, who: PagePrincipal, now: Now
) -> Response:
    """One case with its accounts and their clocks (the view is audited)."""
    case = flows.view(session=db, principal=who, case_id=case_id, now=now, group=desk.views)
    db.commit()
    return _detail(request, db, desk, who, case, {})


def _detail(
    request: Request,
    db: Db,
    desk: Desk,
    who: Principal,
    case: Case,
    extra: dict[str, Any],
    status_code: int = 200,
) -> Response:
    clocks = clocks_of(desk)
    accounts = service.accounts_of(session=db, case_ids=[case.id])[case.id]
    context = {
        "c": case,
        "accounts": [service.account_read(case, a, clocks) for a in accounts],
        "clocks": clocks,
        "form": {},
        "error": None,
        "error_kind": "invalid",
        "can_edit": who.can(Permission.CASE_EDIT),
        "can_reveal": who.can(Permission.REVEAL),
        "revealed": {},
        **extra,
    }
    return render(request, "case_detail.html", context, status_code)


def _failed(
    request: Request,
    db: Db,
    desk: Desk,
    who: Principal,
    case_id: int,
    exc: Exception,
    form: dict[str, str],
) -> Response:
    """Re-render the detail with the error and the entries kept."""
    db.rollback()
    if isinstance(exc, NotFoundError | PermissionDeniedError):
        raise exc
    status = 409 if isinstance(exc, ConflictError) else 422
    case = service.get(session=db, principal=who, case_id=case_id)
    extra = {
        "error": _message(exc),
        "error_kind": "conflict" if status == 409 else "invalid",
        "form": form,
    }
    return _detail(request, db, desk, who, case, extra, status)


def _submit(
    request: Request,
    db: Db,
    desk: Desk,
    who: Principal,
    case_id: int,
    form: dict[str, str],
    step: Callable[[], object],
) -> Response:
    """Run ``step``, commit and go back to the case; a refused step (or a value that does not
    parse) re-renders the case page with the error and what was typed."""
    try:
        step()
        db.commit()
    except (WorkflowError, ValidationError, ValueError) as exc:
        return _failed(request, db, desk, who, case_id, exc, form)
    return RedirectResponse(f"/cases/{case_id}?msg=saved", status_code=303)


@router.post("/cases/{case_id}/account")
async def add_account(
    request: Request, case_id: int, db: Db, desk: Desk, who: PagePrincipal, now: Now, _: Csrf
) -> Response:
    """Add a first-level payee account."""
    form = _form(await request.form())
    return _submit(
        request,
        db,
        desk,
        who,
        case_id,
        form,
        lambda: flows.add_account(
            session=db,
            principal=who,
            case_id=case_id,
            data=_account_data(form, desk),
            clocks=clocks_of(desk),
            now=now,
        ),
    )


@router.post("/cases/{case_id}/reveal", response_class=HTMLResponse)
async def reveal_phone(
    request: Request, case_id: int, db: Db, desk: Desk, who: PagePrincipal, now: Now, _: Csrf
) -> Response:
    """Show the victim's full phone once, after recording the purpose in the audit log."""
    return await _reveal(request, case_id, None, db, desk, who, now)


@router.post("/cases/{case_id}/accounts/{account_id}/reveal", response_class=HTMLResponse)
async def reveal_account(
    request: Request,
    case_id: int,
    account_id: int,
    db: Db,
    desk: Desk,
    who: PagePrincipal,
    now: Now,
    _: Csrf,
) -> Response:
    """Show a full account number once (e.g. to file a stop-payment), purpose audited."""
    return await _reveal(request, case_id, account_id, db, desk, who, now)


async def _reveal(
    request: Request,
    case_id: int,
    account_id: int | None,
    db: Db,
    desk: Desk,
    who: Principal,
    now: dt.datetime,
) -> Response:
    form = _form(await request.form())
    form["_reveal"] = str(account_id or "phone")
    try:
        shown = flows.reveal(
            session=db,
            principal=who,
            case_id=case_id,
            account_id=account_id,
            purpose=form.get("purpose", ""),
            now=now,
        )
        db.commit()
    except WorkflowError as exc:
        return _failed(request, db, desk, who, case_id, exc, form)
    case = service.get(session=db, principal=who, case_id=case_id)
    return _detail(request, db, desk, who, case, {"revealed": {form["_reveal"]: shown}})


@router.post("/cases/{case_id}/accounts/{account_id}/{step}")
async def account_step(
    request: Request,
    case_id: int,
    account_id: int,
    step: str,
    db: Db,
    desk: Desk,
    who: PagePrincipal,
    now: Now,
    _: Csrf,
) -> Response:
    """Record a stop-payment (``stop``), a freeze (``freeze``) or a return (``return``)."""
    form = _form(await request.form())
    form["_account"], form["step"] = str(account_id), step
    return _submit(
        request,
        db,
        desk,
        who,
        case_id,
        form,
        lambda: _record_step(db, desk, who, now, case_id, account_id, step, form),
    )


def _record_step(
    db: Db,
    desk: Desk,
    who: Principal,
    now: dt.datetime,
    case_id: int,
    account_id: int,
    step: str,
    form: dict[str, str],
) -> None:
    at = _time(form, "at", desk) or now
    amount = fen_of(form.get("amount") or "0")
    if step == "stop":
        flows.record_stop(
            session=db,
            principal=who,
            case_id=case_id,
            account_id=account_id,
            at=at,
            stopped_fen=amount,
            clocks=clocks_of(desk),
            now=now,
        )
    elif step == "freeze":
        flows.record_freeze(
            session=db,
            principal=who,
            case_id=case_id,
            account_id=account_id,
            at=at,
            frozen_fen=amount,
            now=now,
        )
    elif step == "return":
        flows.record_return(
            session=db,
            principal=who,
            case_id=case_id,
            account_id=account_id,
            at=at,
            returned_fen=amount,
            now=now,
        )
    else:
        raise NotFoundError("no such step", step=step)


@router.post("/cases/{case_id}/solved")
async def solved(
    request: Request, case_id: int, db: Db, desk: Desk, who: PagePrincipal, now: Now, _: Csrf
) -> Response:
    """破案 and arrests."""
    form = _form(await request.form())
    return _submit(
        request,
        db,
        desk,
        who,
        case_id,
        form,
        lambda: flows.record_solved(
            session=db,
            principal=who,
            case_id=case_id,
            solved=form.get("solved") == "1",
            solved_at=_time(form, "solved_at", desk),
            arrests=int(form.get("arrests") or 0),
            now=now,
        ),
    )
