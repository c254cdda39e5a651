"""A small SMSC on the socket level: binds, submit_sm_resp, deliver_sm receipts.

It honours the client reference TLV (0x1401): a resend of a reference it already accepted
gets the original message id back and is counted in ``duplicates``, not sent again.
Receipts (``stat:DELIVRD``; ``UNDELIV`` for numbers in ``undeliverable``) are queued per
server and resent on the next bind until the ESME acknowledges them. The server and session
machinery is :mod:`fanzha.notify.testing.pipelined_server`'s.
"""

from __future__ import annotations

import datetime as dt
import socket
import time
from dataclasses import dataclass

from fanzha.notify import smpp_codec as codec
from fanzha.notify.testing.pipelined_server import LocalServer, PipelinedSession, ServerState


@dataclass
class SmscState(ServerState[str, str, codec.ShortMessage]):
    """What the SMSC has seen (read by tests); client references are ``ref:part``."""

    binds: int = 0

    def texts(self) -> dict[str, str]:
        """Reassembled text per outbox reference (``ref:part`` keys grouped)."""
        grouped: dict[str, list[tuple[int, codec.ShortMessage]]] = {}
        for key, sm in self.parts.items():
            ref, _, part = key.rpartition(":")
            grouped.setdefault(ref, []).append((int(part), sm))
        return {
            r: codec.join_text([sm for _, sm in sorted(p, key=lambda x: x[0])])
            for r, p in grouped.items()
        }


class _Handler(PipelinedSession[codec.Pdu]):
    server: LocalSmsc

    def _read(self, sock: socket.socket) -> codec.Pdu | None:
        return codec.read_pdu(sock)

    def _encode(self, pdu: codec.Pdu) -> bytes:
        return pdu.encode()

    def _requeue(self, reported: list[str]) -> None:
        self.server.state.queue.extendleft(reported)

    def _on_pdu(self, pdu: codec.Pdu) -> bool:
        cid = pdu.command_id
        if cid == codec.BIND_TRANSCEIVER:
            ok = codec.decode_bind(pdu.body) == (self.server.system_id, self.server.password)
            status = codec.ESME_ROK if ok else codec.ESME_RBINDFAIL
            self._write(codec.Pdu(cid | codec.RESP, status, pdu.sequence, codec.cstr("smsc")))
            if ok:
                self.opened = True
                self.server.state.binds += 1
                self.sender.start()
            return ok
        if cid == codec.SUBMIT_SM and self.opened:
            self._on_submit(pdu)
        elif cid == codec.DELIVER_SM | codec.RESP:
            self._acknowledged(pdu.sequence)
        elif cid == codec.ENQUIRE_LINK:
            self._write(codec.Pdu(cid | codec.RESP, 0, pdu.sequence))
        elif cid == codec.UNBIND:
            self._write(codec.Pdu(cid | codec.RESP, 0, pdu.sequence))
            return False
        return True

    def _on_submit(self, pdu: codec.Pdu) -> None:
        server, state = self.server, self.server.state
        if server.delay:
            time.sleep(server.delay)
        sm = codec.decode_sm(pdu.body)
        ref = sm.tlvs.get(codec.TLV_CLIENT_REF, b"").decode() or f"anon:{pdu.sequence}"
        if sm.destination in server.invalid:
            self._write(
                codec.Pdu(pdu.command_id | codec.RESP, codec.ESME_RINVDSTADR, pdu.sequence, b"\0")
            )
            return
        with state.lock:
            new_id = f"{len(state.accepted) + 1:010x}"
            message_id = state.accept(
                ref, sm.destination, sm, lambda: new_id, server.stat(sm.destination)
            )
        self._write(codec.Pdu(pdu.command_id | codec.RESP, 0, pdu.sequence, codec.cstr(message_id)))

    def _stamp(self) -> str:
        return dt.datetime.now(dt.UTC).strftime("%y%m%d%H%M")

    def _report(self, reported: str, sequence: int, stamp: str) -> codec.Pdu:
        with self.server.state.lock:
            stat = self.server.state.final[reported]
        sm = codec.ShortMessage(
            "",
            "",
            codec.receipt_text(reported, stat, stamp).encode(),
            codec.ESM_RECEIPT,
            tlvs={
                codec.TLV_RECEIPTED_MESSAGE_ID: codec.cstr(reported),
                codec.TLV_MESSAGE_STATE: bytes([codec.RECEIPT_STATES[stat]]),
            },
        )
        return codec.Pdu(codec.DELIVER_SM, 0, sequence, codec.encode_sm(sm))


class LocalSmsc(LocalServer):
    """Start with ``LocalSmsc().start()``; ``port`` is the port it listens on."""

    state: SmscState

    def __init__(self, system_id: str = "fanzha", password: str = "secret") -> None:
        super().__init__(_Handler, SmscState())
        self.system_id, self.password = system_id, password
        self.invalid: set[str] = set()
