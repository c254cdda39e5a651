"""The channel contract, and the two channels that need no outside service.

Two contracts live here. :class:`Channel` (``send(Message) -> None``) is the desk's internal
inbox (officer notices). :class:`OutboundChannel` is the outreach contract of the real
channels (SMS over an HTTP gateway or SMPP, voice robot, WeCom/DingTalk robots, SMTP):

* ``send_batch(items)`` sends :class:`Outgoing` items and returns, per item, a
  :class:`SendResult` (the provider's message ids) or the error it raised: a
  :class:`~fanzha.errors.RetryableSendError` or a :class:`~fanzha.errors.PermanentSendError`.
  Every item carries ``ref``, the client reference the provider sees with every try.
* ``poll_receipts()`` returns the :class:`Receipt` s held for us; ``confirm(receipts)``
  acknowledges those the caller has committed (only then may the provider forget them).
* ``idempotent`` says whether the provider detects a resend of the same ``ref`` (then a
  send interrupted by a crash can safely be sent again; see docs/outreach.md).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from fanzha.errors import NotifyError

logger = logging.getLogger(__name__)

# Receipt statuses. SMS/e-mail/chat: delivered, failed, expired (``accepted`` = handed on,
# no end-to-end receipt exists). Voice robot: answered, confirmed, refused, no_answer.
SMS_STATUSES = ("delivered", "failed", "expired")
VOICE_STATUSES = ("answered", "confirmed", "refused", "no_answer")
FINAL_STATUSES = frozenset(
    {"delivered", "failed", "expired", "accepted", "answered", "confirmed", "refused", "no_answer"}
)


@dataclass(frozen=True)
class Message:
    """One notification to one recipient (a user name, a phone key or a group)."""

    recipient: str
    subject: str
    body: str


class Channel(Protocol):
    """Anything that can deliver a :class:`Message` (the desk's internal notices)."""

    def send(self, message: Message) -> None:
        """Deliver one message (may raise on failure)."""


@dataclass(frozen=True)
class Outgoing:
    """One outreach send: ``ref`` is the stable client reference (idempotency key)."""

    ref: str
    recipient: str  # phone number, e-mail address, or a robot webhook address
    title: str
    body: str
    secret: str | None = None  # DingTalk robot signing secret


@dataclass(frozen=True)
class SendResult:
    """What the provider answered: one message id per part; ``duplicate`` if it had it."""

    provider_ids: tuple[str, ...]
    duplicate: bool = False
    final_status: str | None = None  # a channel without receipts reports its end state now


@dataclass(frozen=True)
class Receipt:
    """A delivery receipt or call outcome for one provider message id."""

    provider_id: str
    status: str
    detail: dict[str, str] = field(default_factory=dict)


class OutboundChannel(Protocol):
    """A real outreach channel (see the module docstring)."""

    name: str
    idempotent: bool

    def send_batch(self, items: Sequence[Outgoing]) -> list[SendResult | NotifyError]:
        """Send each item; a per-item error is returned, not raised."""

    def poll_receipts(self) -> list[Receipt]:
        """Receipts held for us (those not yet confirmed may come again)."""

    def confirm(self, receipts: Sequence[Receipt]) -> None:
        """Acknowledge receipts the caller has committed (the provider may then drop them)."""

    def close(self) -> None:
        """Release connections."""


def mask_phone(value: str) -> str:
    """A phone number or address for logs: ``138****5678``, ``a***@x.cn``."""
    if "@" in value:
        local, _, domain = value.partition("@")
        return f"{local[:1]}***@{domain}"
    if value.startswith("http"):
        return value.split("?")[0][:40] + "…"
    return value[:3] + "****" + value[-4:] if len(value) >= 8 else "****"


class MemoryChannel:
    """Keeps messages in a list: for tests, demos and the desk's own inbox."""

    def __init__(self, limit: int = 10_000) -> None:
        self.messages: list[Message] = []
        self._limit = limit
        self._lock = threading.Lock()

    def send(self, message: Message) -> None:
        """Store the message (the oldest are dropped past ``limit``)."""
        with self._lock:
            self.messages.append(message)
            del self.messages[: -self._limit]

    def for_recipient(self, recipient: str) -> list[Message]:
        """Messages sent to ``recipient``, oldest first."""
        with self._lock:
            return [m for m in self.messages if m.recipient == recipient]


class LogChannel:
    """Writes messages to the log (recipient and subject only: bodies may hold personal data)."""

    def send(self, message: Message) -> None:
        """Log the message."""
        logger.info("notify %s: %s", message.recipient, message.subject)
