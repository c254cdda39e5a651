"""SMS over SMPP 3.4: a transceiver session, pipelined submit_sm, delivery receipts.

One TCP session bound as transceiver. ``send_batch`` writes the submit_sm of every part
without waiting (up to ``window`` outstanding), then collects the submit_sm_resp by
sequence number. A reader thread answers enquire_link and buffers delivery receipts
(deliver_sm with ``esm_class`` 0x04); their deliver_sm_resp is sent only by :meth:`confirm`,
after the caller has committed them, so a crash never loses a receipt (the SMSC resends
unacknowledged receipts on the next bind). Each submit carries the outbox row's client
reference (TLV 0x1401): an SMSC that honours it answers a resend with the original message
id instead of sending the text again. The session machinery is
:class:`~fanzha.notify.pipelined.PipelinedChannel`'s.
"""

from __future__ import annotations

import logging
import socket
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

from fanzha.errors import NotifyError, PermanentSendError, RetryableSendError
from fanzha.notify import smpp_codec as codec
from fanzha.notify.channel import Outgoing, Receipt
from fanzha.notify.pipelined import PipelinedChannel

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


class SmppChannel(PipelinedChannel[codec.Pdu]):
    """SMS through an SMSC over SMPP 3.4 (see the module docstring)."""

    protocol, peer, response, log = "SMPP", "SMSC", "submit_sm_resp", logger

    def __init__(self, name: str, config: SmppConfig) -> None:
        super().__init__(name, config.host, config.port, config.window, config.timeout)
        self._config = config

    # --- session -------------------------------------------------------------------------
    def _handshake(self, sock: socket.socket) -> None:
        body = codec.encode_bind(self._config.system_id, self._config.password)
        sock.sendall(codec.Pdu(codec.BIND_TRANSCEIVER, 0, self._next_sequence(), body).encode())
        resp = codec.read_pdu(sock)
        if resp is None or resp.command_id != codec.BIND_TRANSCEIVER | codec.RESP:
            sock.close()
            raise RetryableSendError("SMSC closed the bind", channel=self.name)
        if resp.status != codec.ESME_ROK:
            sock.close()
            raise PermanentSendError("SMSC refused the bind", channel=self.name, status=resp.status)
        logger.info("smpp %s bound to %s:%d", self.name, self._config.host, self._config.port)

    def _read(self, sock: socket.socket) -> codec.Pdu | None:
        return codec.read_pdu(sock)

    def _on_pdu(self, pdu: codec.Pdu) -> bool:
        if pdu.command_id == codec.SUBMIT_SM | codec.RESP or pdu.command_id == codec.GENERIC_NACK:
            waiter = self._answered(pdu.sequence)
            if waiter is not None:
                message_id = codec.read_cstr(pdu.body, 0)[0] if pdu.body else ""
                self._settle(waiter, pdu.status, message_id)
        elif pdu.command_id == codec.DELIVER_SM:
            self._on_deliver(pdu)
        elif pdu.command_id == codec.ENQUIRE_LINK:
            self._write(codec.Pdu(codec.ENQUIRE_LINK | codec.RESP, 0, pdu.sequence))
        elif pdu.command_id == codec.UNBIND:
            self._write(codec.Pdu(codec.UNBIND | codec.RESP, 0, pdu.sequence))
        return True

    def _on_deliver(self, pdu: codec.Pdu) -> None:
        parsed = codec.parse_receipt(codec.decode_sm(pdu.body))
        ack = codec.Pdu(codec.DELIVER_SM | codec.RESP, 0, pdu.sequence, b"\0")
        if parsed is None:  # a mobile-originated reply: acknowledged, not kept (no reply needed)
            self._write(ack)
            return
        self._hold(Receipt(parsed[0], parsed[1]), ack)

    # --- submits -------------------------------------------------------------------------
    def _submits(self, item: Outgoing) -> Iterator[bytes]:
        parts = codec.split_text(item.body, zlib.crc32(item.ref.encode()))
        for number, (esm_class, coding, octets) in enumerate(parts, 1):
            sm = codec.ShortMessage(
                self._config.source,
                item.recipient,
                octets,
                esm_class,
                coding,
                tlvs={codec.TLV_CLIENT_REF: f"{item.ref}:{number}".encode()},
            )
            yield codec.encode_sm(sm)

    def _request(self, sequence: int, body: bytes) -> codec.Pdu:
        return codec.Pdu(codec.SUBMIT_SM, 0, sequence, body)

    def _refused(self, status: int) -> NotifyError:
        if status in _PERMANENT:
            return PermanentSendError("SMSC rejected the message", status=status)
        return RetryableSendError("SMSC refused for now", status=status)

    def _farewell(self, sequence: int) -> codec.Pdu:
        return codec.Pdu(codec.UNBIND, 0, sequence)
