"""SMS over SMPP 3.4: a transceiver session, pipelined submit_sm, delivery receipts.

One TCP session bound as transceiver. ``send_batch`` writes the submit_sm of every part
without waiting (up to ``window`` outstanding), then collects the submit_sm_resp by
sequence number. A reader thread answers enquire_link and buffers delivery receipts
(deliver_sm with ``esm_class`` 0x04); their deliver_sm_resp is sent only by :meth:`confirm`,
after the caller has committed them, so a crash never loses a receipt (the SMSC resends
unacknowledged receipts on the next bind). Each submit carries the outbox row's client
reference (TLV 0x1401): an SMSC that honours it answers a resend with the original message
id instead of sending the text again.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field

from fanzha.errors import NotifyError, PermanentSendError, RetryableSendError
from fanzha.notify import smpp_codec as codec
from fanzha.notify.channel import Outgoing, Receipt, SendResult

logger = logging.getLogger(__name__)

_PERMANENT = {codec.ESME_RINVDSTADR, 0x0A, 0x45, 0x66}  # bad dest/src, submit failed, bad text


@dataclass(frozen=True)
class SmppConfig:
    """Where and how to bind."""

    host: str
    port: int
    system_id: str
    password: str
    source: str = "12381"
    window: int = 200
    timeout: float = 10.0


@dataclass
class _Pending:
    event: threading.Event = field(default_factory=threading.Event)
    status: int = -1
    message_id: str = ""


class SmppChannel:
    """SMS through an SMSC over SMPP 3.4 (see the module docstring)."""

    idempotent = True

    def __init__(self, name: str, config: SmppConfig) -> None:
        self.name = name
        self._config = config
        self._sock: socket.socket | None = None
        self._write_lock = threading.Lock()
        self._pending: dict[int, _Pending] = {}
        self._receipts: list[tuple[int, Receipt]] = []  # (sequence of the deliver_sm, receipt)
        self._lock = threading.Lock()
        self._window = threading.Semaphore(config.window)
        self._sequence = 0
        self._reader: threading.Thread | None = None

    # --- session -------------------------------------------------------------------------
    def _next_sequence(self) -> int:
        with self._lock:
            self._sequence = self._sequence % 0x7FFFFFFF + 1
            return self._sequence

    def _connect(self) -> socket.socket:
        if self._sock is not None:
            return self._sock
        try:
            sock = socket.create_connection((self._config.host, self._config.port), timeout=5)
        except OSError as exc:
            raise RetryableSendError("SMSC unreachable", channel=self.name) from exc
        sock.settimeout(None)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        body = codec.encode_bind(self._config.system_id, self._config.password)
        sock.sendall(codec.Pdu(codec.BIND_TRANSCEIVER, 0, self._next_sequence(), body).encode())
        resp = codec.read_pdu(sock)
        if resp is None or resp.command_id != codec.BIND_TRANSCEIVER | codec.RESP:
            sock.close()
            raise RetryableSendError("SMSC closed the bind", channel=self.name)
        if resp.status != codec.ESME_ROK:
            sock.close()
            raise PermanentSendError("SMSC refused the bind", channel=self.name, status=resp.status)
        self._sock = sock
        self._reader = threading.Thread(target=self._read_loop, args=(sock,), daemon=True)
        self._reader.start()
        logger.info("smpp %s bound to %s:%d", self.name, self._config.host, self._config.port)
        return sock

    def _write(self, pdu: codec.Pdu) -> None:
        sock = self._sock
        if sock is None:
            raise RetryableSendError("SMPP session lost", channel=self.name)
        try:
            with self._write_lock:
                sock.sendall(pdu.encode())
        except OSError as exc:
            self._drop(sock)
            raise RetryableSendError("SMPP write failed", channel=self.name) from exc

    def _read_loop(self, sock: socket.socket) -> None:
        try:
            while (pdu := codec.read_pdu(sock)) is not None:
                self._on_pdu(pdu)
        except (OSError, ValueError, NotifyError) as exc:
            logger.warning("smpp %s session ended: %s", self.name, type(exc).__name__)
        self._drop(sock)

    def _on_pdu(self, pdu: codec.Pdu) -> None:
        if pdu.command_id == codec.SUBMIT_SM | codec.RESP or pdu.command_id == codec.GENERIC_NACK:
            with self._lock:
                waiter = self._pending.pop(pdu.sequence, None)
            if waiter is not None:
                waiter.status = pdu.status
                waiter.message_id = codec.read_cstr(pdu.body, 0)[0] if pdu.body else ""
                waiter.event.set()
                self._window.release()
        elif pdu.command_id == codec.DELIVER_SM:
            self._on_deliver(pdu)
        elif pdu.command_id == codec.ENQUIRE_LINK:
            self._write(codec.Pdu(codec.ENQUIRE_LINK | codec.RESP, 0, pdu.sequence))
        elif pdu.command_id == codec.UNBIND:
            self._write(codec.Pdu(codec.UNBIND | codec.RESP, 0, pdu.sequence))

    def _on_deliver(self, pdu: codec.Pdu) -> None:
        parsed = codec.parse_receipt(codec.decode_sm(pdu.body))
        if parsed is None:  # a mobile-originated reply: acknowledged, not kept (no reply needed)
            self._write(codec.Pdu(codec.DELIVER_SM | codec.RESP, 0, pdu.sequence, b"\0"))
            return
        with self._lock:
            self._receipts.append((pdu.sequence, Receipt(parsed[0], parsed[1])))

    def _drop(self, sock: socket.socket) -> None:
        with self._lock:
            if self._sock is sock:
                self._sock = None
            waiters = list(self._pending.values())
            self._pending.clear()
            self._receipts.clear()  # unacknowledged: the SMSC sends them again on the next bind
        for waiter in waiters:
            waiter.event.set()
            self._window.release()
        with contextlib.suppress(OSError):
            sock.close()

    # --- the channel contract ------------------------------------------------------------
    def send_batch(self, items: Sequence[Outgoing]) -> list[SendResult | NotifyError]:
        """Submit every part of every item, pipelined; collect the responses."""
        try:
            self._connect()
        except NotifyError as exc:
            return [exc for _ in items]
        sent: list[list[_Pending] | NotifyError] = [self._submit(item) for item in items]
        return [self._result(item, parts) for item, parts in zip(items, sent, strict=True)]

    def _submit(self, item: Outgoing) -> list[_Pending] | NotifyError:
        try:
            parts = codec.split_text(item.body, zlib.crc32(item.ref.encode()))
        except NotifyError as exc:
            return exc
        waiters: list[_Pending] = []
        for esm_class, coding, octets in parts:
            sm = codec.ShortMessage(
                self._config.source,
                item.recipient,
                octets,
                esm_class,
                coding,
                tlvs={codec.TLV_CLIENT_REF: f"{item.ref}:{len(waiters) + 1}".encode()},
            )
            if not self._window.acquire(timeout=self._config.timeout):
                return RetryableSendError("SMPP window full", channel=self.name)
            sequence, waiter = self._next_sequence(), _Pending()
            with self._lock:
                self._pending[sequence] = waiter
            try:
                self._write(codec.Pdu(codec.SUBMIT_SM, 0, sequence, codec.encode_sm(sm)))
            except NotifyError as exc:
                with self._lock:
                    unsent = self._pending.pop(sequence, None)
                if unsent is not None:  # not released by a drop: give its window slot back
                    self._window.release()
                return exc
            waiters.append(waiter)
        return waiters

    def _result(
        self, item: Outgoing, parts: list[_Pending] | NotifyError
    ) -> SendResult | NotifyError:
        if isinstance(parts, NotifyError):
            return parts
        ids: list[str] = []
        for waiter in parts:
            if not waiter.event.wait(self._config.timeout) or waiter.status < 0:
                return RetryableSendError("no submit_sm_resp", channel=self.name)
            if waiter.status == codec.ESME_ROK:
                ids.append(waiter.message_id)
            elif waiter.status in _PERMANENT:
                return PermanentSendError("SMSC rejected the message", status=waiter.status)
            else:
                return RetryableSendError("SMSC refused for now", status=waiter.status)
        return SendResult(tuple(ids))

    def poll_receipts(self) -> list[Receipt]:
        """Receipts buffered since the last call (not yet acknowledged to the SMSC)."""
        with self._lock:
            return [receipt for _, receipt in self._receipts]

    def confirm(self, receipts: Sequence[Receipt]) -> None:
        """Acknowledge committed receipts (deliver_sm_resp), so the SMSC forgets them."""
        done = {id(r) for r in receipts}
        with self._lock:
            acked = [seq for seq, r in self._receipts if id(r) in done]
            self._receipts = [(seq, r) for seq, r in self._receipts if id(r) not in done]
        for sequence in acked:
            try:
                self._write(codec.Pdu(codec.DELIVER_SM | codec.RESP, 0, sequence, b"\0"))
            except NotifyError:
                return  # the session is gone; the SMSC resends on the next bind

    def close(self) -> None:
        """Unbind and close."""
        sock = self._sock
        if sock is None:
            return
        with contextlib.suppress(NotifyError):
            self._write(codec.Pdu(codec.UNBIND, 0, self._next_sequence()))
        self._drop(sock)
