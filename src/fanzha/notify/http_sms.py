"""SMS through an HTTP gateway: JSON batch POST with client references, receipts by polling.

The wire format is the test gateway's (``fanzha.notify.testing.sms_gateway``), the shape of
the common Chinese SMS APIs (one request for up to ``batch_size`` numbers, a per-number
result, receipts pulled and acknowledged). Transport errors and 429/5xx answers are retried
with exponential backoff (tenacity); a batch is safe to resend because the gateway detects a
known ``client_ref``. Receipts are acknowledged only by :meth:`confirm`, after the commit.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fanzha.errors import NotifyError, PermanentSendError, RetryableSendError
from fanzha.notify.channel import Outgoing, Receipt, SendResult
from fanzha.notify.http_common import HttpClient

logger = logging.getLogger(__name__)

_STATUS = {"DELIVERED": "delivered", "FAILED": "failed", "EXPIRED": "expired"}
_PERMANENT = {"invalid_number", "blocked_content", "unauthorized"}


@dataclass(frozen=True)
class HttpSmsConfig:
    """Gateway base URL and token."""

    url: str
    token: str
    batch_size: int = 100
    timeout: float = 10.0


class HttpSmsChannel:
    """SMS over an HTTP gateway (see the module docstring)."""

    idempotent = True

    def __init__(self, name: str, config: HttpSmsConfig) -> None:
        self.name = name
        self._config = config
        self._http = HttpClient(
            name, config.url, {"Authorization": f"Bearer {config.token}"}, config.timeout
        )
        self._report_ids: dict[int, int] = {}  # id(receipt) → report id

    def send_batch(self, items: Sequence[Outgoing]) -> list[SendResult | NotifyError]:
        """POST the items in chunks of ``batch_size``; one result per item."""
        out: list[SendResult | NotifyError] = []
        size = self._config.batch_size
        for start in range(0, len(items), size):
            out.extend(self._send_chunk(items[start : start + size]))
        return out

    def _send_chunk(self, chunk: Sequence[Outgoing]) -> list[SendResult | NotifyError]:
        payload = {
            "messages": [{"to": i.recipient, "text": i.body, "client_ref": i.ref} for i in chunk]
        }
        try:
            answer = self._http.post_json("/v1/sms/batch", payload)
        except NotifyError as exc:
            return [exc for _ in chunk]
        by_ref = {r.get("client_ref"): r for r in answer.get("results", [])}
        return [self._result(by_ref.get(item.ref)) for item in chunk]

    def _result(self, result: dict[str, Any] | None) -> SendResult | NotifyError:
        if result is None:
            return RetryableSendError("gateway gave no result for the message")
        error = result.get("error")
        if error is not None:
            kind = PermanentSendError if error in _PERMANENT else RetryableSendError
            return kind("gateway refused the message", reason=str(error))
        return SendResult((str(result["message_id"]),), bool(result.get("duplicate")))

    def poll_receipts(self) -> list[Receipt]:
        """Unacknowledged receipts held by the gateway."""
        try:
            answer = self._http.get_json("/v1/reports", {"limit": "2000"})
        except NotifyError as exc:
            logger.warning("sms gateway %s: receipts not fetched: %s", self.name, exc.message)
            return []
        receipts = []
        self._report_ids.clear()
        for report in answer.get("reports", []):
            receipt = Receipt(
                str(report["message_id"]), _STATUS.get(str(report["status"]), "failed")
            )
            self._report_ids[id(receipt)] = int(report["report_id"])
            receipts.append(receipt)
        return receipts

    def confirm(self, receipts: Sequence[Receipt]) -> None:
        """Acknowledge committed receipts."""
        ids = [self._report_ids[id(r)] for r in receipts if id(r) in self._report_ids]
        if ids:
            try:
                self._http.post_json("/v1/reports/ack", {"report_ids": ids})
            except NotifyError as exc:  # the gateway offers them again; receipts are idempotent
                logger.warning("sms gateway %s: ack failed: %s", self.name, exc.message)

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()
