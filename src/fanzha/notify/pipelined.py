"""The session machinery the SMPP and CMPP channels share: one TCP session, pipelined submits.

:class:`PipelinedChannel` dials the provider, lets the protocol open the session
(``_handshake``: bind or connect), then starts a reader thread. ``send_batch`` writes the
submit of every part of every item without waiting, up to ``window`` outstanding (a
semaphore slot per submit, given back by its response, by a lost session, or by a write that
failed), and then collects the responses by sequence number. Receipts the reader buffers
(``_hold``) are acknowledged only by :meth:`~PipelinedChannel.confirm`, after the caller has
committed them; a lost session drops the buffer and fails every outstanding submit as
retryable, since the provider resends unacknowledged receipts on the next session and
recognises a resent submit by its client reference. The protocol parts (codec, handshake,
PDU handling, the classification of a refused submit) stay in ``smpp.py`` and ``cmpp.py``.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import ClassVar, Generic, Protocol, TypeVar

from fanzha.errors import NotifyError, RetryableSendError
from fanzha.notify.channel import Outgoing, Receipt, SendResult


class Wire(Protocol):
    """A PDU the session writes: its bytes on the wire."""

    def encode(self) -> bytes:
        """The PDU on the wire."""
        ...


P = TypeVar("P", bound=Wire)


@dataclass
class Pending:
    """One submit waiting for its response (``status`` -1 until answered)."""

    event: threading.Event = field(default_factory=threading.Event)
    status: int = -1
    message_id: str = ""


@dataclass(frozen=True)
class Held:
    """A buffered receipt and the PDU that acknowledges it."""

    receipt: Receipt
    ack: Wire


class PipelinedChannel(ABC, Generic[P]):
    """A windowed, pipelined submit session (see the module docstring)."""

    idempotent = True
    protocol: ClassVar[str]  # "SMPP", "CMPP": in error messages and logs
    peer: ClassVar[str]  # "SMSC", "ISMG"
    response: ClassVar[str]  # the submit response's name, for "no …"
    handshake_timeout: ClassVar[float | None] = None
    log: ClassVar[logging.Logger]

    def __init__(self, name: str, host: str, port: int, window: int, timeout: float) -> None:
        self.name = name
        self._address = (host, port)
        self._timeout = timeout
        self._sock: socket.socket | None = None
        self._write_lock = threading.Lock()
        self._pending: dict[int, Pending] = {}
        self._receipts: list[Held] = []
        self._lock = threading.Lock()
        self._window = threading.Semaphore(window)
        self._sequence = 0
        self._reader: threading.Thread | None = None

    # --- the protocol ----------------------------------------------------------------------
    @abstractmethod
    def _handshake(self, sock: socket.socket) -> None:
        """Open the session on a fresh socket; close it and raise NotifyError if refused."""

    @abstractmethod
    def _read(self, sock: socket.socket) -> P | None:
        """The next PDU, or None when the peer closed the session."""

    @abstractmethod
    def _on_pdu(self, pdu: P) -> bool:
        """Handle a PDU from the peer; False ends the session."""

    @abstractmethod
    def _submits(self, item: Outgoing) -> Iterator[bytes]:
        """The submit body of each part of ``item`` (raises NotifyError for a bad one)."""

    @abstractmethod
    def _request(self, sequence: int, body: bytes) -> P:
        """The submit PDU carrying ``body``."""

    @abstractmethod
    def _refused(self, status: int) -> NotifyError:
        """The error for a submit the provider answered with a non-zero status."""

    @abstractmethod
    def _farewell(self, sequence: int) -> P:
        """The PDU that ends the session (unbind, terminate)."""

    # --- session ---------------------------------------------------------------------------
    def _next_sequence(self) -> int:
        with self._lock:
            self._sequence = self._sequence % 0x7FFFFFFF + 1
            return self._sequence

    def _connect(self) -> socket.socket:
        if self._sock is not None:
            return self._sock
        try:
            sock = socket.create_connection(self._address, timeout=5)
        except OSError as exc:
            raise RetryableSendError(f"{self.peer} unreachable", channel=self.name) from exc
        sock.settimeout(self.handshake_timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._handshake(sock)
        sock.settimeout(None)
        self._sock = sock
        self._reader = threading.Thread(target=self._read_loop, args=(sock,), daemon=True)
        self._reader.start()
        return sock

    def _write(self, pdu: Wire) -> None:
        sock = self._sock
        if sock is None:
            raise RetryableSendError(f"{self.protocol} session lost", channel=self.name)
        try:
            with self._write_lock:
                sock.sendall(pdu.encode())
        except OSError as exc:
            self._drop(sock)
            raise RetryableSendError(f"{self.protocol} write failed", channel=self.name) from exc

    def _read_loop(self, sock: socket.socket) -> None:
        try:
            while (pdu := self._read(sock)) is not None:
                if not self._on_pdu(pdu):
                    break
        except (OSError, ValueError, NotifyError) as exc:
            self.log.warning(
                "%s %s session ended: %s", self.protocol.lower(), self.name, type(exc).__name__
            )
        self._drop(sock)

    def _answered(self, sequence: int) -> Pending | None:
        """The submit waiting for this response, taken off the pending table."""
        with self._lock:
            return self._pending.pop(sequence, None)

    def _settle(self, waiter: Pending, status: int, message_id: str) -> None:
        """Wake the submit's collector and give its window slot back."""
        waiter.status, waiter.message_id = status, message_id
        waiter.event.set()
        self._window.release()

    def _hold(self, receipt: Receipt, ack: Wire) -> None:
        """Buffer a receipt until :meth:`confirm` writes ``ack``."""
        with self._lock:
            self._receipts.append(Held(receipt, ack))

    def _drop(self, sock: socket.socket) -> None:
        """Fail the session's outstanding submits and forget its receipts. A socket already
        replaced (an old reader waking late after a reconnect) was dropped before, with its
        own submits; the new session's are left alone."""
        with self._lock:
            current = self._sock is sock
            if current:
                self._sock = None
            waiters = list(self._pending.values()) if current else []
            if current:
                self._pending.clear()
                self._receipts.clear()  # unacknowledged: the provider resends them next session
        for waiter in waiters:
            waiter.event.set()
            self._window.release()
        with contextlib.suppress(OSError):
            sock.close()

    # --- the channel contract --------------------------------------------------------------
    def send_batch(self, items: Sequence[Outgoing]) -> list[SendResult | NotifyError]:
        """Submit every part of every item, pipelined; collect the responses."""
        try:
            self._connect()
        except NotifyError as exc:
            return [exc for _ in items]
        sent: list[list[Pending] | NotifyError] = [self._submit(item) for item in items]
        return [self._result(parts) for parts in sent]

    def _submit(self, item: Outgoing) -> list[Pending] | NotifyError:
        waiters: list[Pending] = []
        try:
            for body in self._submits(item):
                waiters.append(self._send_part(body))
        except NotifyError as exc:
            return exc
        return waiters

    def _send_part(self, body: bytes) -> Pending:
        if not self._window.acquire(timeout=self._timeout):
            raise RetryableSendError(f"{self.protocol} window full", channel=self.name)
        sequence, waiter = self._next_sequence(), Pending()
        with self._lock:
            self._pending[sequence] = waiter
        try:
            self._write(self._request(sequence, body))
        except NotifyError:
            with self._lock:
                unsent = self._pending.pop(sequence, None)
            if unsent is not None:  # not released by a drop: give its window slot back
                self._window.release()
            raise
        return waiter

    def _result(self, parts: list[Pending] | NotifyError) -> SendResult | NotifyError:
        if isinstance(parts, NotifyError):
            return parts
        ids: list[str] = []
        for waiter in parts:
            if not waiter.event.wait(self._timeout) or waiter.status < 0:
                return RetryableSendError(f"no {self.response}", channel=self.name)
            if waiter.status != 0:
                return self._refused(waiter.status)
            ids.append(waiter.message_id)
        return SendResult(tuple(ids))

    def poll_receipts(self) -> list[Receipt]:
        """Receipts buffered since the last call (not yet acknowledged to the provider)."""
        with self._lock:
            return [held.receipt for held in self._receipts]

    def confirm(self, receipts: Sequence[Receipt]) -> None:
        """Acknowledge committed receipts, so the provider forgets them."""
        done = {id(r) for r in receipts}
        with self._lock:
            acked = [h for h in self._receipts if id(h.receipt) in done]
            self._receipts = [h for h in self._receipts if id(h.receipt) not in done]
        for held in acked:
            try:
                self._write(held.ack)
            except NotifyError:
                return  # the session is gone; the provider resends on the next session

    def close(self) -> None:
        """End the session (unbind, terminate) and close."""
        sock = self._sock
        if sock is None:
            return
        with contextlib.suppress(NotifyError):
            self._write(self._farewell(self._next_sequence()))
        self._drop(sock)
