"""The channel contract and the two channels that need no outside service."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Protocol

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Message:
    """One notification to one recipient (a user name, a phone key or a group)."""

    recipient: str
    subject: str
    body: str


class Channel(Protocol):
    """Anything that can deliver a :class:`Message`."""

    def send(self, message: Message) -> None:
        """Deliver one message (may raise on failure)."""


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
