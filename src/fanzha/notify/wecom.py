"""WeCom (企业微信) group robot: ``POST <webhook>?key=…`` with a markdown message.

``{"msgtype": "markdown", "markdown": {"content": …}}``; the key is in the URL. The robot
takes about 20 messages a minute (errcode 45009 past it: retried later; the dispatcher's
per-robot limiter keeps under it); markdown content is at most 4,096 bytes.
"""

from __future__ import annotations

from typing import Any

from fanzha.notify.channel import Outgoing
from fanzha.notify.robot_common import RobotChannel

RATE_LIMITED = 45009
SYSTEM_BUSY = -1


class WeComChannel(RobotChannel):
    """Posts to WeCom group robots."""

    retryable_codes = frozenset({RATE_LIMITED, SYSTEM_BUSY})
    max_bytes = 4096

    def payload(self, item: Outgoing) -> dict[str, Any]:
        """A markdown message."""
        return {"msgtype": "markdown", "markdown": {"content": item.body}}
