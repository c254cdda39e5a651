"""What the WeCom and DingTalk robot channels share: one POST per group, no receipts.

A chat robot answers ``{"errcode": 0}`` when the message is posted in the group; there is no
delivery or read receipt, so a posted message ends as ``accepted``. Robots do not detect
resends: the channel is not idempotent (a send interrupted by a crash is not repeated).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from fanzha.errors import NotifyError, PermanentSendError, RetryableSendError
from fanzha.notify.channel import Outgoing, Receipt, SendResult
from fanzha.notify.http_common import HttpClient


class RobotChannel:
    """Posts each item to its own webhook URL (the item's ``recipient``)."""

    idempotent = False
    retryable_codes: frozenset[int] = frozenset()
    max_bytes = 4096

    def __init__(self, name: str, timeout: float = 10.0) -> None:
        self.name = name
        self._http = HttpClient(name, "", timeout=timeout, idempotent=False)

    def payload(self, item: Outgoing) -> dict[str, Any]:
        """The JSON body of one message."""
        raise NotImplementedError

    def url(self, item: Outgoing) -> str:
        """The URL to post to."""
        return item.recipient

    def send_batch(self, items: Sequence[Outgoing]) -> list[SendResult | NotifyError]:
        """Post each item; one result each."""
        return [self._send(item, self.url) for item in items]

    def _send(self, item: Outgoing, url: Callable[[Outgoing], str]) -> SendResult | NotifyError:
        if len(item.body.encode()) > self.max_bytes:
            return PermanentSendError("message too long for a chat robot", channel=self.name)
        try:
            answer = self._http.post_json(url(item), self.payload(item))  # url() may refuse
        except NotifyError as exc:
            return exc
        code = int(answer.get("errcode", -1))
        if code == 0:
            return SendResult((), final_status="accepted")
        kind = RetryableSendError if code in self.retryable_codes else PermanentSendError
        return kind("robot refused the message", channel=self.name, errcode=code)

    def poll_receipts(self) -> list[Receipt]:
        """None: robots give no receipts."""
        return []

    def confirm(self, receipts: Sequence[Receipt]) -> None:
        """Nothing to acknowledge."""

    def close(self) -> None:
        """Close the pool."""
        self._http.close()
