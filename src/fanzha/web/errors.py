"""The one place where errors become HTTP answers: JSON for the API, a page for people."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.orm.exc import StaleDataError

from fanzha.errors import (
    ConflictError,
    FanzhaError,
    NotFoundError,
    PermissionDeniedError,
    QueueFullError,
    QuotaExceededError,
    StreamError,
    WorkflowError,
)
from fanzha.web.deps import LoginRequiredError
from fanzha.web.render import render

STATUS: tuple[tuple[type[FanzhaError], int, str], ...] = (
    (NotFoundError, 404, "not_found"),
    (PermissionDeniedError, 403, "forbidden"),
    (ConflictError, 409, "conflict"),
    (QuotaExceededError, 429, "quota_exceeded"),
    (WorkflowError, 422, "invalid"),
    (QueueFullError, 503, "queue_full"),
    (StreamError, 503, "unavailable"),
    (FanzhaError, 400, "error"),
)


def status_of(exc: FanzhaError) -> tuple[int, str]:
    """HTTP status and error code of a Fanzha error."""
    for cls, status, code in STATUS:
        if isinstance(exc, cls):
            return status, code
    return 500, "error"


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


async def _fanzha_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, FanzhaError)
    status, code = status_of(exc)
    # Never echo the context of a not-found: it would confirm the object exists elsewhere.
    context = {} if status == 404 else {k: str(v) for k, v in exc.context.items()}
    if _is_api(request):
        return JSONResponse(
            {"error": code, "message": exc.message, "context": context}, status_code=status
        )
    return render(request, "error.html", {"code": code, "message": exc.message}, status_code=status)


async def _stale(request: Request, exc: Exception) -> Response:
    return await _fanzha_error(
        request, ConflictError("someone else changed this warning at the same moment; reload")
    )


async def _login_required(request: Request, exc: Exception) -> Response:
    if _is_api(request):
        return JSONResponse(
            {"error": "unauthorized", "message": "log in or send X-API-Key"},
            status_code=401,
            headers={"WWW-Authenticate": "ApiKey"},
        )
    return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)


async def _invalid(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    if _is_api(request):
        errors = [{"loc": list(e["loc"]), "msg": e["msg"]} for e in exc.errors()]
        return JSONResponse({"error": "invalid", "errors": errors}, status_code=422)
    message = "; ".join(f"{e['loc'][-1]}: {e['msg']}" for e in exc.errors())
    return render(request, "error.html", {"code": "invalid", "message": message}, 422)


def install(app: FastAPI) -> None:
    """Register every handler on ``app``."""
    app.add_exception_handler(FanzhaError, _fanzha_error)
    app.add_exception_handler(StaleDataError, _stale)
    app.add_exception_handler(LoginRequiredError, _login_required)
    app.add_exception_handler(RequestValidationError, _invalid)
