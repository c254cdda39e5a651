"""DingTalk (钉钉) group robot: signed ``POST <webhook>&timestamp=<ms>&sign=…``.

``sign = urlencode(base64(HMAC-SHA256(secret, f"{timestamp}\\n{secret}")))`` with the
timestamp in milliseconds; the body is ``{"msgtype": "markdown", "markdown": {"title", "text"}}``.
20 messages a minute per robot (errcode 130101 past it: retried later).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import urllib.parse
from typing import Any

from fanzha.errors import PermanentSendError
from fanzha.notify.channel import Outgoing
from fanzha.notify.robot_common import RobotChannel

SEND_TOO_FAST = 130101
SYSTEM_BUSY = -1


def sign(secret: str, timestamp_ms: int) -> str:
    """The URL-encoded signature of a DingTalk robot request."""
    string_to_sign = f"{timestamp_ms}\n{secret}"
    digest = hmac.new(secret.encode(), string_to_sign.encode(), hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest))


class DingTalkChannel(RobotChannel):
    """Posts to DingTalk group robots (each item carries its robot's secret)."""

    retryable_codes = frozenset({SEND_TOO_FAST, SYSTEM_BUSY})
    max_bytes = 20_000

    def url(self, item: Outgoing) -> str:
        """The webhook with timestamp and signature appended."""
        if not item.secret:
            raise PermanentSendError("DingTalk robot without a secret", channel=self.name)
        stamp = int(time.time() * 1000)
        joiner = "&" if "?" in item.recipient else "?"
        return f"{item.recipient}{joiner}timestamp={stamp}&sign={sign(item.secret, stamp)}"

    def payload(self, item: Outgoing) -> dict[str, Any]:
        """A markdown message."""
        return {"msgtype": "markdown", "markdown": {"title": item.title, "text": item.body}}
