"""A test voice robot: takes call requests, "calls", posts the signed outcome back.

The outcome follows the number's last digit (0-5 confirmed, 6 answered, 7 refused, 8-9
no_answer) unless set in ``outcomes``. A callback answered with anything but 200 is posted
again (up to ``callback_tries`` times), as real providers do.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from fanzha.notify.callbacks import SIGNATURE_HEADER, signature
from fanzha.notify.http_server import LocalService

_BY_DIGIT = {
    **dict.fromkeys("012345", "confirmed"),
    "6": "answered",
    "7": "refused",
    "8": "no_answer",
    "9": "no_answer",
}


@dataclass
class VoiceState:
    """Calls made (read by tests)."""

    calls: dict[str, str] = field(default_factory=dict)  # client ref → call id
    scripts: dict[str, str] = field(default_factory=dict)
    duplicates: int = 0
    callbacks_sent: int = 0
    outcomes: dict[str, str] = field(default_factory=dict)  # number → forced outcome
    lock: threading.Lock = field(default_factory=threading.Lock)


class LocalVoiceRobot(LocalService):
    """``LocalVoiceRobot(secret).start()``; ``url`` is its API base."""

    def __init__(
        self, secret: str, token: str = "voice-token", delay: float = 0.05, callback_tries: int = 5
    ) -> None:
        self.secret, self.token, self.delay = secret, token, delay
        self.callback_tries = callback_tries
        self.state = VoiceState()
        super().__init__()

    def _handle(
        self, method: str, path: str, query: dict[str, str], headers: dict[str, str], body: bytes
    ) -> tuple[int, Any]:
        if headers.get("authorization") != f"Bearer {self.token}":
            return 401, {"error": "unauthorized"}
        if method != "POST" or path != "/v1/calls":
            return 404, {"error": "not found"}
        data = json.loads(body)
        ref, to = str(data["client_ref"]), str(data["to"])
        if not to.isdigit():
            return 200, {"error": "invalid_number"}
        with self.state.lock:
            if ref in self.state.calls:
                self.state.duplicates += 1
                return 200, {"call_id": self.state.calls[ref], "duplicate": True}
            call_id = f"call{len(self.state.calls) + 1:07d}"
            self.state.calls[ref] = call_id
            self.state.scripts[ref] = str(data["script"])
        outcome = self.state.outcomes.get(to) or _BY_DIGIT[to[-1]]
        event = {
            "call_id": call_id,
            "client_ref": ref,
            "outcome": outcome,
            "duration_s": 0 if outcome == "no_answer" else 21,
        }
        threading.Thread(
            target=self._callback, args=(str(data["callback_url"]), event), daemon=True
        ).start()
        return 200, {"call_id": call_id, "duplicate": False}

    def _callback(self, url: str, event: dict[str, Any]) -> None:
        time.sleep(self.delay)
        body = json.dumps(event).encode()
        headers = {
            SIGNATURE_HEADER: signature(self.secret, body),
            "Content-Type": "application/json",
        }
        for attempt in range(self.callback_tries):
            try:
                response = httpx.post(url, content=body, headers=headers, timeout=15)
                with self.state.lock:
                    self.state.callbacks_sent += 1
                if response.status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2 * 2**attempt)
