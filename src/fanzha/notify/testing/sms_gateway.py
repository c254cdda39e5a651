"""A test HTTP SMS gateway: JSON POST (single or batch), receipts by polling with acks.

``POST /v1/sms/batch`` ``{"messages": [{"to", "text", "client_ref"}]}`` answers one result per
message: ``{"client_ref", "message_id", "parts", "duplicate"}`` or ``{"client_ref", "error"}``
(``invalid_number`` is permanent, ``throttled`` retryable). A known ``client_ref`` gets its
original message id back (``duplicate: true``) and is not sent again. ``GET /v1/reports``
returns unacknowledged receipts; ``POST /v1/reports/ack`` ``{"report_ids": [...]}`` drops them.
Every request needs ``Authorization: Bearer <token>``.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from fanzha.notify.http_server import LocalService


@dataclass
class GatewayState:
    """What the gateway has seen (read by tests)."""

    accepted: dict[str, str] = field(default_factory=dict)  # client ref → message id
    texts: dict[str, str] = field(default_factory=dict)
    duplicates: int = 0
    reports: dict[int, dict[str, str]] = field(default_factory=dict)  # unacknowledged
    next_report: int = 1
    invalid: set[str] = field(default_factory=set)
    undeliverable: set[str] = field(default_factory=set)
    fail_next: int = 0  # answer the next N requests with 503
    delay: float = 0.0  # seconds per message (to slow a run down for crash tests)
    handsets: dict[str, int] = field(default_factory=dict)  # number → messages sent to it
    lock: threading.Lock = field(default_factory=threading.Lock)


class LocalSmsGateway(LocalService):
    """``LocalSmsGateway(token).start()``; ``url`` is its base URL."""

    def __init__(self, token: str = "test-token") -> None:
        self.token = token
        self.state = GatewayState()
        super().__init__()

    def _handle(
        self, method: str, path: str, query: dict[str, str], headers: dict[str, str], body: bytes
    ) -> tuple[int, Any]:
        if headers.get("authorization") != f"Bearer {self.token}":
            return 401, {"error": "unauthorized"}
        with self.state.lock:
            if self.state.fail_next > 0:
                self.state.fail_next -= 1
                return 503, {"error": "busy"}
        data = json.loads(body or b"{}")
        if method == "POST" and path == "/v1/sms/batch":
            return 200, {"results": [self._accept(m) for m in data["messages"]]}
        if method == "POST" and path == "/v1/sms":
            return 200, self._accept(data)
        if method == "GET" and path == "/v1/reports":
            limit = int(query.get("limit", "1000"))
            with self.state.lock:
                items = list(self.state.reports.items())[:limit]
            return 200, {"reports": [{"report_id": k, **v} for k, v in items]}
        if method == "POST" and path == "/v1/reports/ack":
            with self.state.lock:
                for report_id in data["report_ids"]:
                    self.state.reports.pop(int(report_id), None)
            return 200, {"ok": True}
        return 404, {"error": "not found"}

    def _accept(self, message: dict[str, str]) -> dict[str, Any]:
        ref, to, text = message["client_ref"], message["to"], message["text"]
        state = self.state
        if state.delay:
            time.sleep(state.delay)
        if to in state.invalid or not to.isdigit():
            return {"client_ref": ref, "error": "invalid_number"}
        with state.lock:
            if ref in state.accepted:
                state.duplicates += 1
                return {
                    "client_ref": ref,
                    "message_id": state.accepted[ref],
                    "duplicate": True,
                    "parts": 1,
                }
            message_id = f"gw{len(state.accepted) + 1:08d}"
            state.accepted[ref] = message_id
            state.texts[ref] = text
            state.handsets[to] = state.handsets.get(to, 0) + 1
            status = "FAILED" if to in state.undeliverable else "DELIVERED"
            state.reports[state.next_report] = {
                "message_id": message_id,
                "client_ref": ref,
                "status": status,
            }
            state.next_report += 1
        return {"client_ref": ref, "message_id": message_id, "duplicate": False, "parts": 1}
