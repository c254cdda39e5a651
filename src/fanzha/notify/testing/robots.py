"""Test WeCom and DingTalk group robots on one local server.

``/cgi-bin/webhook/send?key=K`` (WeCom) and ``/robot/send?access_token=T&timestamp&sign``
(DingTalk, the signature checked against the robot's secret and the timestamp within an hour).
Each robot takes ``per_minute`` messages a minute (errcode 45009 / 130101 past that).
"""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote_plus

from fanzha.notify.dingtalk import sign
from fanzha.notify.http_server import LocalService


@dataclass
class RobotState:
    """Messages per robot key or token (read by tests)."""

    messages: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    refused: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


class LocalRobots(LocalService):
    """``LocalRobots().start()``; :meth:`wecom_url` and :meth:`dingtalk_url` give webhooks."""

    def __init__(self, per_minute: int = 20) -> None:
        self.per_minute = per_minute
        self.secrets: dict[str, str] = {}
        self.state = RobotState()
        self._times: dict[str, deque[float]] = defaultdict(deque)
        super().__init__()

    def wecom_url(self, key: str) -> str:
        """A WeCom webhook of robot ``key``."""
        return f"{self.server.url}/cgi-bin/webhook/send?key={key}"

    def dingtalk_url(self, token: str, secret: str) -> str:
        """A DingTalk webhook of robot ``token`` signed with ``secret``."""
        self.secrets[token] = secret
        return f"{self.server.url}/robot/send?access_token={token}"

    def _handle(
        self, method: str, path: str, query: dict[str, str], headers: dict[str, str], body: bytes
    ) -> tuple[int, Any]:
        data = json.loads(body or b"{}")
        if method == "POST" and path == "/cgi-bin/webhook/send":
            return self._accept(f"wecom:{query.get('key', '')}", data, 45009)
        if method == "POST" and path == "/robot/send":
            token = query.get("access_token", "")
            secret = self.secrets.get(token)
            stamp = int(query.get("timestamp", "0"))
            # parse_qs decoded the sign once; compare with the decoded expected value
            expected = sign(secret, stamp) if secret else None
            got = quote_plus(query.get("sign", ""))
            if expected is None or got != expected or abs(time.time() * 1000 - stamp) > 3.6e6:
                return 200, {"errcode": 310000, "errmsg": "sign not match"}
            return self._accept(f"dingtalk:{token}", data, 130101)
        return 404, {"errcode": 404}

    def _accept(self, robot: str, data: dict[str, Any], busy: int) -> tuple[int, Any]:
        now = time.monotonic()
        with self.state.lock:
            times = self._times[robot]
            while times and now - times[0] > 60:
                times.popleft()
            if len(times) >= self.per_minute:
                self.state.refused += 1
                return 200, {"errcode": busy, "errmsg": "send too fast"}
            times.append(now)
            self.state.messages[robot].append(data)
        return 200, {"errcode": 0, "errmsg": "ok"}
