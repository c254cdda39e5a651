"""Protective stop-payments on the warning page: lift, record an appeal, decide an appeal.

The detail and supervisor pages show restrictions through
:mod:`fanzha.web.pages.restriction_rows`; the forms post here. A failed form re-renders the
warning page with the error and what was typed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from fanzha.errors import NotFoundError, WorkflowError
from fanzha.web.deps import Csrf, Db, Now, PagePrincipal
from fanzha.web.pages import warnings as warning_pages
from fanzha.workflow.restriction import flows, service
from fanzha.workflow.restriction.models import Decision
from fanzha.workflow.roles import Principal

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form(max_length=2000)]


def _check(db: Db, who: Principal, warning_id: int, restriction_id: int) -> None:
    restriction = service.get(session=db, principal=who, restriction_id=restriction_id)
    if restriction.warning_id != warning_id:
        raise NotFoundError("no such restriction", restriction=restriction_id)


def _submit(
    request: Request,
    db: Db,
    who: Principal,
    ids: tuple[int, int],
    form: dict[str, str],
    step: Callable[[], object],
) -> Response:
    """Run ``step`` on restriction ``ids[1]`` of warning ``ids[0]`` and go back to the warning;
    a refused step re-renders the warning page with the error and what was typed."""
    warning_id, restriction_id = ids
    try:
        _check(db, who, warning_id, restriction_id)
        step()
        db.commit()
    except WorkflowError as exc:
        typed = {**form, "restriction": str(restriction_id)}
        return warning_pages._failed(request, db, who, warning_id, exc, typed)
    return RedirectResponse(f"/warnings/{warning_id}?msg=saved#restrictions", status_code=303)


@router.post("/warnings/{warning_id}/restrictions/{restriction_id}/lift")
def lift(
    request: Request,
    warning_id: int,
    restriction_id: int,
    db: Db,
    who: PagePrincipal,
    now: Now,
    _: Csrf,
    lift_reason: Text = "",
) -> Response:
    """Lift a stop-payment (reason required)."""
    return _submit(
        request,
        db,
        who,
        (warning_id, restriction_id),
        {"lift_reason": lift_reason},
        lambda: flows.lift(
            session=db, principal=who, restriction_id=restriction_id, reason=lift_reason, now=now
        ),
    )


@router.post("/warnings/{warning_id}/restrictions/{restriction_id}/appeal")
def appeal(
    request: Request,
    warning_id: int,
    restriction_id: int,
    db: Db,
    who: PagePrincipal,
    now: Now,
    _: Csrf,
    appeal_text: Text = "",
) -> Response:
    """Record the person's appeal."""
    return _submit(
        request,
        db,
        who,
        (warning_id, restriction_id),
        {"appeal_text": appeal_text},
        lambda: flows.record_appeal(
            session=db, principal=who, restriction_id=restriction_id, text=appeal_text, now=now
        ),
    )


@router.post("/warnings/{warning_id}/restrictions/{restriction_id}/appeals/{appeal_id}")
def decide(
    request: Request,
    warning_id: int,
    restriction_id: int,
    appeal_id: int,
    db: Db,
    who: PagePrincipal,
    now: Now,
    _: Csrf,
    decision: Annotated[str, Form(max_length=16)] = "",
    decision_note: Text = "",
) -> Response:
    """Decide an appeal: upheld lifts the stop-payment at once."""
    return _submit(
        request,
        db,
        who,
        (warning_id, restriction_id),
        {"decision_note": decision_note},
        lambda: flows.decide_appeal(
            session=db,
            principal=who,
            restriction_id=restriction_id,
            appeal_id=appeal_id,
            decision=_decision(decision),
            note=decision_note,
            now=now,
        ),
    )


def _decision(value: str) -> Decision:
    if value not in Decision._value2member_map_:
        raise WorkflowError("choose upheld or rejected", decision=value)
    return Decision(value)
