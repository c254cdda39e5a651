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
``Reserve`` octets: an ISMG that honours it answers a resend with the original Msg_Id. The
session machinery is :class:`~fanzha.notify.pipelined.PipelinedChannel`'s.
"""

from __future__ import annotations

import datetime as dt
import logging
import socket
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

from fanzha.errors import NotifyError, PermanentSendError, RetryableSendError
from fanzha.notify import cmpp_codec as codec
from fanzha.notify.channel import Outgoing, Receipt
from fanzha.notify.pipelined import PipelinedChannel

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


class CmppChannel(PipelinedChannel[codec.Pdu]):
    """SMS through an ISMG over CMPP 2.0 (see the module docstring)."""

    protocol, peer, response, log = "CMPP", "ISMG", "CMPP_SUBMIT_RESP", logger
    handshake_timeout = 5.0

    def __init__(self, name: str, config: CmppConfig) -> None:
        super().__init__(name, config.host, config.port, config.window, config.timeout)
        self._config = config

    # --- session -------------------------------------------------------------------------
    def _handshake(self, sock: socket.socket) -> None:
        cfg = self._config
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
        logger.info("cmpp %s connected to %s:%d", self.name, cfg.host, cfg.port)

    def _read(self, sock: socket.socket) -> codec.Pdu | None:
        return codec.read_pdu(sock)

    def _on_pdu(self, pdu: codec.Pdu) -> bool:
        cid = pdu.command_id
        if cid == codec.SUBMIT_RESP:
            msg_id, result = codec.decode_resp(pdu.body)
            waiter = self._answered(pdu.sequence)
            if waiter is not None:
                self._settle(waiter, result, codec.msg_id_text(msg_id))
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
        ack = codec.Pdu(codec.DELIVER_RESP, pdu.sequence, codec.encode_resp(deliver.msg_id, 0))
        if deliver.registered_delivery != 1:  # a mobile-originated reply: acknowledged, not kept
            self._write(ack)
            return
        report = codec.decode_report(deliver.content)
        receipt = Receipt(codec.msg_id_text(report.msg_id), report.status, {"stat": report.stat})
        self._hold(receipt, ack)  # the CMPP_DELIVER's own Msg_Id, echoed in its _RESP

    # --- submits -------------------------------------------------------------------------
    def _submits(self, item: Outgoing) -> Iterator[bytes]:
        cfg = self._config
        for part in codec.split_text(item.body, zlib.crc32(item.ref.encode())):
            submit = codec.Submit(
                (item.recipient,),
                part.content,
                msg_src=cfg.source_addr,
                src_id=cfg.src_id,
                service_id=cfg.service_id,
                msg_fmt=part.msg_fmt,
                tp_udhi=part.tp_udhi,
                pk_total=part.pk_total,
                pk_number=part.pk_number,
                reserve=codec.client_reference(item.ref, part.pk_number),
            )
            yield codec.encode_submit(submit)

    def _request(self, sequence: int, body: bytes) -> codec.Pdu:
        return codec.Pdu(codec.SUBMIT, sequence, body)

    def _refused(self, result: int) -> NotifyError:
        if result in _PERMANENT:
            return PermanentSendError("ISMG rejected the message", result=result)
        return RetryableSendError("ISMG refused for now", result=result)

    def _farewell(self, sequence: int) -> codec.Pdu:
        return codec.Pdu(codec.TERMINATE, sequence)
