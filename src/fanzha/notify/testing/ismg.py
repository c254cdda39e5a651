"""A small CMPP 2.0 ISMG on the socket level: connects, CMPP_SUBMIT_RESP, status reports.

It checks the connect's MD5 authenticator against its shared secret (status 3 if wrong, or
for everyone with ``reject_auth``) and answers with its own. It honours the client reference
in the submit's ``Reserve``: a resend of a reference it already accepted gets the original
Msg_Id back and is counted in ``duplicates``, not sent again. Status reports (``DELIVRD``;
``UNDELIV`` for numbers in ``undeliverable``) go out as CMPP_DELIVER, queued per server and
resent on the next connect until the SP acknowledges them. Faults on demand: ``results``
(destination → a non-zero Result), ``drop_after`` (close the connection after the n-th
submit, unanswered), ``malformed_after`` (answer the n-th submit with a garbled PDU),
``active_test_interval`` (the ISMG sends CMPP_ACTIVE_TEST). The server and session
machinery is :mod:`fanzha.notify.testing.pipelined_server`'s.
"""

from __future__ import annotations

import datetime as dt
import socket
import time
from dataclasses import dataclass

from fanzha.errors import NotifyError
from fanzha.notify import cmpp_codec as codec
from fanzha.notify.testing.pipelined_server import LocalServer, PipelinedSession, ServerState


@dataclass
class IsmgState(ServerState[bytes, int, codec.Submit]):
    """What the ISMG has seen (read by tests); client references are the 8-octet digests."""

    connects: int = 0
    refused: int = 0
    malformed: int = 0
    active_tests_answered: int = 0

    def texts(self) -> dict[str, list[str]]:
        """What each handset shows: per destination, its messages with the parts joined."""
        groups: dict[tuple[str, int, int], list[codec.Submit]] = {}
        singles: list[codec.Submit] = []
        for submit in self.parts.values():
            udh = codec.udh_of(submit.content, submit.tp_udhi)
            if udh is None:
                singles.append(submit)
            else:
                groups.setdefault((submit.destinations[0], udh[0], udh[1]), []).append(submit)
        out: dict[str, list[str]] = {}
        for s in singles:
            out.setdefault(s.destinations[0], []).append(codec.join_text([s]))
        for (dest, _, total), parts in groups.items():
            if sorted(p.pk_number for p in parts) == list(range(1, total + 1)):
                out.setdefault(dest, []).append(codec.join_text(parts))
        return out


class _Handler(PipelinedSession[codec.Pdu]):
    server: LocalIsmg
    malformed = (NotifyError,)
    last_test = 0.0  # when the last CMPP_ACTIVE_TEST left

    def _read(self, sock: socket.socket) -> codec.Pdu | None:
        return codec.read_pdu(sock)

    def _encode(self, pdu: codec.Pdu) -> bytes:
        return pdu.encode()

    def _on_malformed(self) -> None:
        with self.server.state.lock:
            self.server.state.malformed += 1

    def _on_pdu(self, pdu: codec.Pdu) -> bool:
        cid = pdu.command_id
        if cid == codec.CONNECT:
            return self._on_connect(pdu)
        if not self.opened:
            return False
        if cid == codec.SUBMIT:
            return self._on_submit(pdu)
        if cid == codec.DELIVER_RESP:
            _, result = codec.decode_resp(pdu.body, cid)
            self._acknowledged(pdu.sequence, ok=result == 0)
        elif cid == codec.ACTIVE_TEST:
            self._write(codec.Pdu(codec.ACTIVE_TEST_RESP, pdu.sequence, b"\0"))
        elif cid == codec.ACTIVE_TEST_RESP:
            with self.server.state.lock:
                self.server.state.active_tests_answered += 1
        elif cid == codec.TERMINATE:
            self._write(codec.Pdu(codec.TERMINATE_RESP, pdu.sequence))
            return False
        return True

    def _on_connect(self, pdu: codec.Pdu) -> bool:
        server, state = self.server, self.server.state
        connect = codec.decode_connect(pdu.body)
        expected = codec.authenticator_source(
            server.source_addr, server.shared_secret, f"{connect.timestamp:010d}"
        )
        if connect.source_addr != server.source_addr:
            status = codec.CONNECT_BAD_SOURCE
        elif server.reject_auth or connect.authenticator != expected:
            status = codec.CONNECT_AUTH_FAILED
        elif connect.version > codec.VERSION:
            status = codec.CONNECT_VERSION_TOO_HIGH
        else:
            status = codec.CONNECT_OK
        auth = codec.authenticator_ismg(status, connect.authenticator, server.shared_secret)
        resp = codec.ConnectResp(status, auth if status == codec.CONNECT_OK else b"\0" * 16)
        with state.lock:  # counted before the answer leaves (tests read it after the answer)
            if status == codec.CONNECT_OK:
                state.connects += 1
            else:
                state.refused += 1
        self._write(codec.Pdu(codec.CONNECT_RESP, pdu.sequence, codec.encode_connect_resp(resp)))
        if status != codec.CONNECT_OK:
            return False
        self.opened = True
        self.sender.start()
        return True

    def _on_submit(self, pdu: codec.Pdu) -> bool:
        server, state = self.server, self.server.state
        if server.delay:
            time.sleep(server.delay)
        submit = codec.decode_submit(pdu.body)
        dest = submit.destinations[0]
        if dest in server.results:
            body = codec.encode_resp(0, server.results[dest])
            self._write(codec.Pdu(codec.SUBMIT_RESP, pdu.sequence, body))
            return True
        with state.lock:
            msg_id = state.accept(
                submit.reserve, dest, submit, server.next_msg_id, server.stat(dest)
            )
            drop = server.drop_after is not None and state.submits >= server.drop_after
            garble = server.malformed_after is not None and state.submits >= server.malformed_after
            if drop:
                server.drop_after = None
            if garble:
                server.malformed_after = None
        if drop:
            return False  # accepted, but the answer never leaves: the SP must resend
        if garble:
            self.request.sendall(codec.HEADER.pack(codec.HEADER.size + 3, codec.SUBMIT_RESP, 1))
            self.request.sendall(b"\0\0\0")
            return True
        body = codec.encode_resp(msg_id, codec.SUBMIT_OK)
        self._write(codec.Pdu(codec.SUBMIT_RESP, pdu.sequence, body))
        return True

    def _tick(self) -> bool:
        interval = self.server.active_test_interval
        if interval is None or time.monotonic() - self.last_test < interval:
            return True
        self.last_test = time.monotonic()
        self.sequence += 1
        return self._send(codec.Pdu(codec.ACTIVE_TEST, self.sequence))

    def _idle_wait(self) -> float:
        return 0.05 if self.server.active_test_interval is not None else 0.2

    def _send_reports(self) -> None:
        self.last_test = time.monotonic()  # the first active test is due one interval on
        super()._send_reports()

    def _stamp(self) -> str:
        return dt.datetime.now().strftime("%y%m%d%H%M")

    def _report(self, reported: int, sequence: int, stamp: str) -> codec.Pdu:
        server, state = self.server, self.server.state
        with state.lock:
            stat, dest = state.final[reported], state.destinations[reported]
            deliver_id = server.next_msg_id()
        report = codec.StatusReport(reported, stat, stamp, stamp, dest, sequence)
        deliver = codec.Deliver(deliver_id, server.src_id, dest, codec.encode_report(report), 1)
        return codec.Pdu(codec.DELIVER, sequence, codec.encode_deliver(deliver))


class LocalIsmg(LocalServer):
    """Start with ``LocalIsmg().start()``; ``port`` is the port it listens on."""

    state: IsmgState

    def __init__(self, source_addr: str = "900001", shared_secret: str = "secret") -> None:
        super().__init__(_Handler, IsmgState())
        self.source_addr, self.shared_secret = source_addr, shared_secret
        self.src_id = "12381"
        self.gateway = 0x1A2B3
        self.reject_auth = False
        self.results: dict[str, int] = {}  # destination → CMPP_SUBMIT_RESP Result
        self.drop_after: int | None = None  # close after this many submits (once)
        self.malformed_after: int | None = None  # garble the answer to this submit (once)
        self.active_test_interval: float | None = None
        self._count = 0

    def next_msg_id(self) -> int:
        """A fresh Msg_Id (the 16-bit sequence carries into the gateway code)."""
        self._count += 1
        n = self._count
        return codec.make_msg_id(dt.datetime.now(), self.gateway + (n >> 16), n)
