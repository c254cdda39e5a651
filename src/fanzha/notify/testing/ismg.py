"""A small CMPP 2.0 ISMG on the socket level: connects, CMPP_SUBMIT_RESP, status reports.

It checks the connect's MD5 authenticator against its shared secret (status 3 if wrong, or
for everyone with ``reject_auth``) and answers with its own. It honours the client reference
in the submit's ``Reserve``: a resend of a reference it already accepted gets the original
Msg_Id back and is counted in ``duplicates``, not sent again. Status reports (``DELIVRD``;
``UNDELIV`` for numbers in ``undeliverable``) go out as CMPP_DELIVER, queued per server and
resent on the next connect until the SP acknowledges them. Faults on demand: ``results``
(destination → a non-zero Result), ``drop_after`` (close the connection after the n-th
submit, unanswered), ``malformed_after`` (answer the n-th submit with a garbled PDU),
``active_test_interval`` (the ISMG sends CMPP_ACTIVE_TEST).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import socket
import socketserver
import threading
import time
from collections import deque
from dataclasses import dataclass, field

from fanzha.errors import NotifyError
from fanzha.notify import cmpp_codec as codec


@dataclass
class IsmgState:
    """What the ISMG has seen (read by tests)."""

    accepted: dict[bytes, int] = field(default_factory=dict)  # client reference → Msg_Id
    handsets: dict[str, int] = field(default_factory=dict)  # destination → parts sent to it
    parts: dict[bytes, codec.Submit] = field(default_factory=dict)  # reference → part
    duplicates: int = 0
    submits: int = 0
    connects: int = 0
    refused: int = 0
    malformed: int = 0
    active_tests_answered: int = 0
    queue: deque[int] = field(default_factory=deque)  # Msg_Ids whose report is due
    acked: set[int] = field(default_factory=set)
    final: dict[int, tuple[str, str]] = field(default_factory=dict)  # Msg_Id → (stat, dest)
    lock: threading.Condition = field(default_factory=threading.Condition)

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


class _Handler(socketserver.BaseRequestHandler):
    server: LocalIsmg

    def handle(self) -> None:
        sock = self.request
        self.inflight: dict[int, int] = {}  # CMPP_DELIVER sequence → reported Msg_Id
        self.write_lock = threading.Lock()
        self.connected = False
        self.alive = True
        sender = threading.Thread(target=self._send_reports, daemon=True)
        state = self.server.state
        try:
            while (pdu := codec.read_pdu(sock)) is not None:
                if not self._on_pdu(pdu, sender):
                    break
        except NotifyError:
            with state.lock:
                state.malformed += 1
        except OSError:
            pass
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        with state.lock:  # unacknowledged reports go back to the queue
            self.alive = False
            state.queue.extendleft(reversed(list(self.inflight.values())))
            self.inflight.clear()
            state.lock.notify_all()

    def _write(self, pdu: codec.Pdu) -> None:
        with self.write_lock:
            self.request.sendall(pdu.encode())

    def _on_pdu(self, pdu: codec.Pdu, sender: threading.Thread) -> bool:
        cid = pdu.command_id
        if cid == codec.CONNECT:
            return self._on_connect(pdu, sender)
        if not self.connected:
            return False
        if cid == codec.SUBMIT:
            return self._on_submit(pdu)
        if cid == codec.DELIVER_RESP:
            _, result = codec.decode_resp(pdu.body, cid)
            with self.server.state.lock:
                reported = self.inflight.pop(pdu.sequence, None)
                if reported is not None and result == 0:
                    self.server.state.acked.add(reported)
                elif reported is not None:
                    self.server.state.queue.append(reported)
        elif cid == codec.ACTIVE_TEST:
            self._write(codec.Pdu(codec.ACTIVE_TEST_RESP, pdu.sequence, b"\0"))
        elif cid == codec.ACTIVE_TEST_RESP:
            with self.server.state.lock:
                self.server.state.active_tests_answered += 1
        elif cid == codec.TERMINATE:
            self._write(codec.Pdu(codec.TERMINATE_RESP, pdu.sequence))
            return False
        return True

    def _on_connect(self, pdu: codec.Pdu, sender: threading.Thread) -> bool:
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
        self.connected = True
        sender.start()
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
        ref = submit.reserve
        with state.lock:
            state.submits += 1
            msg_id = state.accepted.get(ref)
            if msg_id is not None:
                state.duplicates += 1
                if msg_id in state.acked:  # resend its report: the SP may have lost it
                    state.acked.discard(msg_id)
                    state.queue.append(msg_id)
            else:
                msg_id = server.next_msg_id()
                state.accepted[ref] = msg_id
                state.parts[ref] = submit
                state.handsets[dest] = state.handsets.get(dest, 0) + 1
                stat = "UNDELIV" if dest in server.undeliverable else "DELIVRD"
                state.final[msg_id] = (stat, dest)
                state.queue.append(msg_id)
            state.lock.notify_all()
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

    def _send_reports(self) -> None:
        server, state = self.server, self.server.state
        stamp = dt.datetime.now().strftime("%y%m%d%H%M")
        sequence = 0
        last_test = time.monotonic()
        while self.alive:
            interval = server.active_test_interval
            if interval is not None and time.monotonic() - last_test >= interval:
                last_test = time.monotonic()
                sequence += 1
                if not self._send(codec.Pdu(codec.ACTIVE_TEST, sequence)):
                    return
            with state.lock:
                if not self.alive:
                    return
                if not state.queue:
                    state.lock.wait(0.05 if interval is not None else 0.2)
                    continue
                reported = state.queue.popleft()
                sequence += 1
                self.inflight[sequence] = reported
                stat, dest = state.final[reported]
                deliver_id = server.next_msg_id()
            report = codec.StatusReport(reported, stat, stamp, stamp, dest, sequence)
            deliver = codec.Deliver(deliver_id, server.src_id, dest, codec.encode_report(report), 1)
            if not self._send(codec.Pdu(codec.DELIVER, sequence, codec.encode_deliver(deliver))):
                return

    def _send(self, pdu: codec.Pdu) -> bool:
        try:
            self._write(pdu)
        except OSError:
            return False
        return True


class LocalIsmg(socketserver.ThreadingTCPServer):
    """Start with ``LocalIsmg().start()``; ``port`` is the port it listens on."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, source_addr: str = "900001", shared_secret: str = "secret") -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.source_addr, self.shared_secret = source_addr, shared_secret
        self.src_id = "12381"
        self.gateway = 0x1A2B3
        self.state = IsmgState()
        self.reject_auth = False
        self.results: dict[str, int] = {}  # destination → CMPP_SUBMIT_RESP Result
        self.undeliverable: set[str] = set()
        self.drop_after: int | None = None  # close after this many submits (once)
        self.malformed_after: int | None = None  # garble the answer to this submit (once)
        self.active_test_interval: float | None = None
        self.delay = 0.0  # seconds per submit (to slow a run down for crash tests)
        self._count = 0

    def next_msg_id(self) -> int:
        """A fresh Msg_Id (the 16-bit sequence carries into the gateway code)."""
        self._count += 1
        n = self._count
        return codec.make_msg_id(dt.datetime.now(), self.gateway + (n >> 16), n)

    @property
    def port(self) -> int:
        """The port it listens on."""
        return int(self.server_address[1])

    def start(self) -> LocalIsmg:
        """Serve in a daemon thread."""
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        self.shutdown()
        self.server_close()
