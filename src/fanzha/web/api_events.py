"""``POST /api/v1/events``: events into the real-time stream (scope ``events:write``).

The body is ``{"events": [...]}`` (at most ``MAX_EVENTS`` events, ``MAX_BYTES`` bytes). Every
event gets a verdict in the answer, in request order: ``queued``, ``duplicate`` (its
``source_id`` was queued before: a resend changes nothing) or ``rejected`` with reasons (and a
line in the quarantine). A full queue answers 503 with ``Retry-After`` and queues nothing of
the request, so the sender resends the same batch; nothing is ever dropped.
"""

from __future__ import annotations

import json
from typing import Any

from anyio import to_thread
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from fastapi.security import APIKeyHeader

from fanzha.errors import FanzhaError, QueueFullError
from fanzha.stream.broker import EventQueue
from fanzha.stream.intake import Checked, check_events, quarantine
from fanzha.web.deps import ApiPrincipal, Desk, Now
from fanzha.workflow.roles import Permission

MAX_EVENTS = 5000
MAX_BYTES = 8 * 1024 * 1024

_key_scheme = APIKeyHeader(name="X-API-Key", auto_error=False)
router = APIRouter(prefix="/api/v1", tags=["events"], dependencies=[Depends(_key_scheme)])


class BadBatchError(FanzhaError):
    """The request body is not a batch of events (answered 400 or 413)."""

    def __init__(self, message: str, status: int = 400, **context: object) -> None:
        super().__init__(message, **context)
        self.status = status


def _error(exc: BadBatchError) -> JSONResponse:
    body = {"error": "bad_batch", "message": exc.message, "context": exc.context}
    return JSONResponse(body, status_code=exc.status)


def _items(body: bytes) -> list[Any]:
    if len(body) > MAX_BYTES:
        raise BadBatchError("request too large", 413, max_bytes=MAX_BYTES)
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadBatchError(f"malformed JSON: {exc}") from exc
    items = data.get("events") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise BadBatchError('the body must be {"events": [...]}')
    if not items:
        raise BadBatchError("no events in the batch")
    if len(items) > MAX_EVENTS:
        raise BadBatchError("too many events in one request", 413, max_events=MAX_EVENTS)
    return items


def queue_of(request: Request, desk: Any) -> EventQueue:
    """The app's event queue (made from the settings on first use)."""
    found = getattr(request.app.state, "event_queue", None)
    if found is None:
        from fanzha.stream.runtime import make_queue

        found = request.app.state.event_queue = make_queue(desk.settings)
    return found


def _answer(checked: Checked) -> dict[str, Any]:
    counts = {"queued": 0, "duplicate": 0, "rejected": 0}
    for verdict in checked.verdicts:
        counts[verdict.status] = counts.get(verdict.status, 0) + 1
    return {**counts, "events": [v.answer() for v in checked.verdicts]}


@router.post("/events", responses={400: {}, 413: {}, 503: {}})
async def post_events(request: Request, desk: Desk, who: ApiPrincipal, now: Now) -> JSONResponse:
    """Queue a batch of events for real-time detection; one verdict per event."""
    who.require(Permission.EVENTS_WRITE)
    if int(request.headers.get("content-length") or 0) > MAX_BYTES:
        return _error(BadBatchError("request too large", 413, max_bytes=MAX_BYTES))
    try:
        items = _items(await request.body())
    except BadBatchError as exc:
        return _error(exc)
    settings = desk.settings
    checked = await to_thread.run_sync(
        lambda: check_events(
            items, pseudonym_key=settings.pseudonym_key, timezone=settings.timezone
        )
    )
    if checked.events:
        try:
            done = await to_thread.run_sync(queue_of(request, desk).append, checked.events)
        except QueueFullError as exc:
            body = {"error": "queue_full", "message": exc.message, "context": exc.context}
            return JSONResponse(body, status_code=503, headers={"Retry-After": "1"})
        by_source = {d.source_id: d for d in done}
        for verdict in checked.verdicts:
            if verdict.status == "valid":
                queued = by_source[verdict.source_id].stream_id is not None
                verdict.status = "queued" if queued else "duplicate"
    if checked.quarantined:
        await to_thread.run_sync(quarantine, checked, settings.data_dir, now)
    status = 202 if any(v.status == "queued" for v in checked.verdicts) else 200
    return JSONResponse(_answer(checked), status_code=status)
