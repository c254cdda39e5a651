"""A receiver of signed provider callbacks (voice-robot call outcomes).

Listens on its own port (stdlib HTTP server in a thread). A callback is accepted only with a
valid ``X-Fanzha-Signature`` (hex HMAC-SHA256 of the body with the shared secret); it is held
until the dispatcher has committed it (:meth:`CallbackReceiver.confirm`), and only then
answered 200, so a callback is never lost: if the commit does not happen within
``hold_seconds`` the answer is 503 and the provider sends it again.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Sequence
from typing import Any

from fanzha.notify.channel import Receipt
from fanzha.notify.http_server import JsonServer

SIGNATURE_HEADER = "x-fanzha-signature"


def signature(secret: str, body: bytes) -> str:
    """The hex HMAC-SHA256 of a callback body."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class CallbackReceiver:
    """Receives ``POST /callbacks/voice`` ``{"call_id", "outcome", …}`` from the provider."""

    def __init__(
        self, secret: str, host: str = "127.0.0.1", port: int = 0, hold_seconds: float = 10.0
    ) -> None:
        self._secret = secret
        self._hold = hold_seconds
        self._held: list[tuple[Receipt, threading.Event]] = []
        self._lock = threading.Lock()
        self.server = JsonServer(self._handle, host, port)
        self.server.start()

    @property
    def url(self) -> str:
        """The callback URL to hand to the provider."""
        return f"{self.server.url}/callbacks/voice"

    def _handle(
        self, method: str, path: str, query: dict[str, str], headers: dict[str, str], body: bytes
    ) -> tuple[int, Any]:
        if method != "POST" or path != "/callbacks/voice":
            return 404, {"error": "not found"}
        given = headers.get(SIGNATURE_HEADER, "")
        if not hmac.compare_digest(given, signature(self._secret, body)):
            return 401, {"error": "bad signature"}
        try:
            data = json.loads(body)
            receipt = Receipt(
                str(data["call_id"]),
                str(data["outcome"]),
                {"duration_s": str(data.get("duration_s", ""))},
            )
        except (ValueError, KeyError):
            return 400, {"error": "bad callback"}
        done = threading.Event()
        with self._lock:
            self._held.append((receipt, done))
        if done.wait(self._hold):
            return 200, {"ok": True}
        with self._lock:
            self._held = [(r, e) for r, e in self._held if e is not done]
        return 503, {"error": "not committed yet"}

    def poll(self) -> list[Receipt]:
        """Callbacks waiting for their commit."""
        with self._lock:
            return [receipt for receipt, _ in self._held]

    def confirm(self, receipts: Sequence[Receipt]) -> None:
        """Release the callbacks of committed receipts (they are answered 200)."""
        done = {id(r) for r in receipts}
        with self._lock:
            for receipt, event in self._held:
                if id(receipt) in done:
                    event.set()
            self._held = [(r, e) for r, e in self._held if id(r) not in done]

    def close(self) -> None:
        """Stop listening."""
        self.server.stop()
