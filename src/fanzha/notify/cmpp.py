"""SMS over CMPP 2.0: an authenticated ISMG session, pipelined CMPP_SUBMIT, status reports.

One TCP session opened with CMPP_CONNECT (MD5 authenticator over the SP's enterprise code,
the shared secret and a timestamp; the ISMG's answering authenticator is checked too).
``send_batch`` writes the CMPP_SUBMIT of every part without waiting (up to ``window``
outstanding; the specification suggests 16), then collects the CMPP_SUBMIT_RESP by sequence
number; their Msg_Ids are the provider ids. A reader thread answers CMPP_ACTIVE_TEST and
CMPP_TERMINATE and buffers status reports (CMPP_DELIVER with ``Registered_Delivery`` 1);
their CMPP_DELIVER_RESP is sent only by :meth:`confirm`, after the caller has committed
them, so a crash never loses a receipt (the ISMG resends unacknowledged reports on the next
connect). Each submit carries a digest of the outbox row's client reference in its
``Reserve`` octets: an ISMG that honours it answers a resend with the original Msg_Id.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import socket
import threading
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field

from fanzha.errors import NotifyError, PermanentSendError, RetryableSendError
from fanzha.notify import cmpp_codec as codec
from fanzha.notify.channel import Outgoing, Receipt, SendResult

logger = logging.getLogger(__name__)

_PERMANENT = {
    codec.SUBMIT_BAD_STRUCTURE,
    codec.SUBMIT_BAD_COMMAND,
    codec.SUBMIT_BAD_LENGTH,
    codec.SUBMIT_BAD_FEE_CODE,
    codec.SUBMIT_TOO_LONG,
    codec.SUBMIT_BAD_SERVICE,
}  # flow control (8), a duplicate sequence (3) and the rest (9+) are worth another try


@dataclass(frozen=True)
class CmppConfig:
    """Where and how to connect."""

    host: str
    port: int
    source_addr: str  # the SP's enterprise code (企业代码, 6 characters)
    shared_secret: str
    src_id: str = "12381"  # the access number the handset shows
    service_id: str = ""
    window: int = 16
    timeout: float = 10.0


@dataclass
class _Pending:
    event: threading.Event = field(default_factory=threading.Event)
    result: int = -1
    msg_id: int = 0


@dataclass(frozen=True)
class _Held:
    sequence: int
    msg_id: int  # the CMPP_DELIVER's own Msg_Id, echoed in its CMPP_DELIVER_RESP
    receipt: Receipt


class CmppChannel:
    """SMS through an ISMG over CMPP 2.0 (see the module docstring)."""

    idempotent = True

    def __init__(self, name: str, config: CmppConfig) -> None:
        self.name = name
        self._config = config
        self._sock: socket.socket | None = None
        self._write_lock = threading.Lock()
        self._pending: dict[int, _Pending] = {}
        self._receipts: list[_Held] = []
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
        cfg = self._config
        try:
            sock = socket.create_connection((cfg.host, cfg.port), timeout=5)
        except OSError as exc:
            raise RetryableSendError("ISMG unreachable", channel=self.name) from exc
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        connect = codec.make_connect(cfg.source_addr, cfg.shared_secret, dt.datetime.now())
        try:
            body = codec.encode_connect(connect)
            sock.sendall(codec.Pdu(codec.CONNECT, self._next_sequence(), body).encode())
            pdu = codec.read_pdu(sock)
            resp = codec.decode_connect_resp(pdu.body) if pdu is not None else None
        except (OSError, NotifyError) as exc:
            sock.close()
            raise RetryableSendError("ISMG connect failed", channel=self.name) from exc
        if pdu is None or resp is None or pdu.command_id != codec.CONNECT_RESP:
            sock.close()
            raise RetryableSendError("ISMG closed the connect", channel=self.name)
        if resp.status != codec.CONNECT_OK:
            sock.close()
            raise PermanentSendError(
                "ISMG refused the connect", channel=self.name, status=resp.status
            )
        expected = codec.authenticator_ismg(resp.status, connect.authenticator, cfg.shared_secret)
        if resp.authenticator != expected:
            sock.close()
            raise PermanentSendError("ISMG authenticator mismatch", channel=self.name)
        sock.settimeout(None)
        self._sock = sock
        self._reader = threading.Thread(target=self._read_loop, args=(sock,), daemon=True)
        self._reader.start()
        logger.info("cmpp %s connected to %s:%d", self.name, cfg.host, cfg.port)
        return sock

    def _write(self, pdu: codec.Pdu) -> None:
        sock = self._sock
        if sock is None:
            raise RetryableSendError("CMPP session lost", channel=self.name)
        try:
            with self._write_lock:
                sock.sendall(pdu.encode())
        except OSError as exc:
            self._drop(sock)
            raise RetryableSendError("CMPP write failed", channel=self.name) from exc

    def _read_loop(self, sock: socket.socket) -> None:
        try:
            while (pdu := codec.read_pdu(sock)) is not None:
                if not self._on_pdu(pdu):
                    break
        except (OSError, ValueError, NotifyError) as exc:
            logger.warning("cmpp %s session ended: %s", self.name, type(exc).__name__)
        self._drop(sock)

    def _on_pdu(self, pdu: codec.Pdu) -> bool:
        cid = pdu.command_id
        if cid == codec.SUBMIT_RESP:
            msg_id, result = codec.decode_resp(pdu.body)
            with self._lock:
                waiter = self._pending.pop(pdu.sequence, None)
            if waiter is not None:
                waiter.result, waiter.msg_id = result, msg_id
                waiter.event.set()
                self._window.release()
        elif cid == codec.DELIVER:
            self._on_deliver(pdu)
        elif cid == codec.ACTIVE_TEST:
            self._write(codec.Pdu(codec.ACTIVE_TEST_RESP, pdu.sequence, b"\0"))
        elif cid == codec.TERMINATE:
            self._write(codec.Pdu(codec.TERMINATE_RESP, pdu.sequence))
            return False
        return True

    def _on_deliver(self, pdu: codec.Pdu) -> None:
        deliver = codec.decode_deliver(pdu.body)
        if deliver.registered_delivery != 1:  # a mobile-originated reply: acknowledged, not kept
            self._write(
                codec.Pdu(codec.DELIVER_RESP, pdu.sequence, codec.encode_resp(deliver.msg_id, 0))
            )
            return
        report = codec.decode_report(deliver.content)
        receipt = Receipt(codec.msg_id_text(report.msg_id), report.status, {"stat": report.stat})
        with self._lock:
            self._receipts.append(_Held(pdu.sequence, deliver.msg_id, receipt))

    def _drop(self, sock: socket.socket) -> None:
        with self._lock:
            if self._sock is sock:
                self._sock = None
            waiters = list(self._pending.values())
            self._pending.clear()
            self._receipts.clear()  # unacknowledged: the ISMG sends them again on the next connect
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
        return [self._result(parts) for parts in sent]

    def _submit(self, item: Outgoing) -> list[_Pending] | NotifyError:
        try:
            parts = codec.split_text(item.body, zlib.crc32(item.ref.encode()))
        except NotifyError as exc:
            return exc
        waiters: list[_Pending] = []
        for part in parts:
            submit = codec.Submit(
                (item.recipient,),
                part.content,
                msg_src=self._config.source_addr,
                src_id=self._config.src_id,
                service_id=self._config.service_id,
                msg_fmt=part.msg_fmt,
                tp_udhi=part.tp_udhi,
                pk_total=part.pk_total,
                pk_number=part.pk_number,
                reserve=codec.client_reference(item.ref, part.pk_number),
            )
            try:
                body = codec.encode_submit(submit)
            except NotifyError as exc:
                return exc
            if not self._window.acquire(timeout=self._config.timeout):
                return RetryableSendError("CMPP window full", channel=self.name)
            sequence, waiter = self._next_sequence(), _Pending()
            with self._lock:
                self._pending[sequence] = waiter
            try:
                self._write(codec.Pdu(codec.SUBMIT, sequence, body))
            except NotifyError as exc:
                with self._lock:
                    unsent = self._pending.pop(sequence, None)
                if unsent is not None:  # not released by a drop: give its window slot back
                    self._window.release()
                return exc
            waiters.append(waiter)
        return waiters

    def _result(self, parts: list[_Pending] | NotifyError) -> SendResult | NotifyError:
        if isinstance(parts, NotifyError):
            return parts
        ids: list[str] = []
        for waiter in parts:
            if not waiter.event.wait(self._config.timeout) or waiter.result < 0:
                return RetryableSendError("no CMPP_SUBMIT_RESP", channel=self.name)
            if waiter.result == codec.SUBMIT_OK:
                ids.append(codec.msg_id_text(waiter.msg_id))
            elif waiter.result in _PERMANENT:
                return PermanentSendError("ISMG rejected the message", result=waiter.result)
            else:
                return RetryableSendError("ISMG refused for now", result=waiter.result)
        return SendResult(tuple(ids))

    def poll_receipts(self) -> list[Receipt]:
        """Status reports buffered since the last call (not yet acknowledged to the ISMG)."""
        with self._lock:
            return [held.receipt for held in self._receipts]

    def confirm(self, receipts: Sequence[Receipt]) -> None:
        """Acknowledge committed receipts (CMPP_DELIVER_RESP), so the ISMG forgets them."""
        done = {id(r) for r in receipts}
        with self._lock:
            acked = [h for h in self._receipts if id(h.receipt) in done]
            self._receipts = [h for h in self._receipts if id(h.receipt) not in done]
        for held in acked:
            try:
                body = codec.encode_resp(held.msg_id, 0)
                self._write(codec.Pdu(codec.DELIVER_RESP, held.sequence, body))
            except NotifyError:
                return  # the session is gone; the ISMG resends on the next connect

    def close(self) -> None:
        """Terminate the session and close."""
        sock = self._sock
        if sock is None:
            return
        with contextlib.suppress(NotifyError):
            self._write(codec.Pdu(codec.TERMINATE, self._next_sequence()))
        self._drop(sock)
