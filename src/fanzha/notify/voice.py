"""Voice-robot calls over HTTP: a call request per resident, the outcome by signed callback.

``POST /v1/calls`` ``{"to", "script", "client_ref", "callback_url", "confirm_key": "1"}``
answers ``{"call_id", "duplicate"}``; a known ``client_ref`` is not called again. When the
call ends the robot posts ``{"call_id", "client_ref", "outcome", "duration_s"}`` to the
callback URL, signed (see :mod:`fanzha.notify.callbacks`); the outcome is one of
``answered`` (heard, not confirmed), ``confirmed`` (pressed 1), ``refused`` (hung up or
declined) and ``no_answer``. The wire format is that of the test robot
(``fanzha.notify.testing.voice_robot``), shaped like the common call-centre robot APIs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from fanzha.errors import NotifyError, PermanentSendError, RetryableSendError
from fanzha.notify.callbacks import CallbackReceiver
from fanzha.notify.channel import VOICE_STATUSES, Outgoing, Receipt, SendResult
from fanzha.notify.http_common import HttpClient


@dataclass(frozen=True)
class VoiceConfig:
    """The robot's API and where its callbacks reach us."""

    url: str
    token: str
    callback_secret: str
    callback_port: int = 0
    callback_host: str = "127.0.0.1"
    callback_url: str | None = None  # the public URL, if a proxy stands in front


class VoiceRobotChannel:
    """Automated warning calls (see the module docstring)."""

    idempotent = True

    def __init__(self, name: str, config: VoiceConfig) -> None:
        self.name = name
        self._config = config
        self._http = HttpClient(name, config.url, {"Authorization": f"Bearer {config.token}"})
        self._receiver: CallbackReceiver | None = None

    def _callbacks(self) -> CallbackReceiver:
        if self._receiver is None:
            self._receiver = CallbackReceiver(
                self._config.callback_secret, self._config.callback_host, self._config.callback_port
            )
        return self._receiver

    def send_batch(self, items: Sequence[Outgoing]) -> list[SendResult | NotifyError]:
        """Request one call per item."""
        callback = self._config.callback_url or self._callbacks().url
        return [self._call(item, callback) for item in items]

    def _call(self, item: Outgoing, callback: str) -> SendResult | NotifyError:
        payload = {
            "to": item.recipient,
            "script": item.body,
            "client_ref": item.ref,
            "callback_url": callback,
            "confirm_key": "1",
        }
        try:
            answer = self._http.post_json("/v1/calls", payload)
        except NotifyError as exc:
            return exc
        if "call_id" not in answer:
            error = str(answer.get("error", "no call id"))
            kind = PermanentSendError if error == "invalid_number" else RetryableSendError
            return kind("voice robot refused the call", reason=error)
        return SendResult((str(answer["call_id"]),), bool(answer.get("duplicate")))

    def poll_receipts(self) -> list[Receipt]:
        """Call outcomes received and not yet committed (unknown outcomes are dropped)."""
        receipts = self._callbacks().poll()
        bad = [r for r in receipts if r.status not in VOICE_STATUSES]
        if bad:
            self._callbacks().confirm(bad)  # answered 200: a resend would not make them valid
        return [r for r in receipts if r.status in VOICE_STATUSES]

    def confirm(self, receipts: Sequence[Receipt]) -> None:
        """Answer the committed callbacks."""
        self._callbacks().confirm(receipts)

    def close(self) -> None:
        """Close the client and the receiver."""
        self._http.close()
        if self._receiver is not None:
            self._receiver.close()
