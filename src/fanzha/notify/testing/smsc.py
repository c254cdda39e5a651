"""A small SMSC on the socket level: binds, submit_sm_resp, deliver_sm receipts.

It honours the client reference TLV (0x1401): a resend of a reference it already accepted
gets the original message id back and is counted in ``duplicates``, not sent again.
Receipts (``stat:DELIVRD``; ``UNDELIV`` for numbers in ``undeliverable``) are queued per
``system_id`` and resent on the next bind until the ESME acknowledges them.
"""

from __future__ import annotations

import datetime as dt
import socketserver
import threading
import time
from collections import deque
from dataclasses import dataclass, field

from fanzha.notify import smpp_codec as codec


@dataclass
class SmscState:
    """What the SMSC has seen (read by tests)."""

    accepted: dict[str, str] = field(default_factory=dict)  # client ref → message id
    handsets: dict[str, int] = field(default_factory=dict)  # destination → parts sent to it
    parts: dict[str, codec.ShortMessage] = field(default_factory=dict)  # ref → part
    duplicates: int = 0
    submits: int = 0
    binds: int = 0
    queue: deque[tuple[str, str]] = field(default_factory=deque)  # (message id, stat)
    acked: set[str] = field(default_factory=set)
    final: dict[str, str] = field(default_factory=dict)  # message id → stat
    lock: threading.Condition = field(default_factory=threading.Condition)

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


class _Handler(socketserver.BaseRequestHandler):
    server: LocalSmsc

    def handle(self) -> None:
        sock = self.request
        self.inflight: dict[int, str] = {}
        self.write_lock = threading.Lock()
        self.bound = False
        self.alive = True
        sender = threading.Thread(target=self._send_receipts, daemon=True)
        try:
            while (pdu := codec.read_pdu(sock)) is not None:
                if not self._on_pdu(pdu, sender):
                    break
        except (OSError, ConnectionError):
            pass
        self.alive = False
        state = self.server.state
        with state.lock:  # unacknowledged receipts go back to the queue
            for message_id in self.inflight.values():
                state.queue.appendleft((message_id, state.final[message_id]))
            self.inflight.clear()
            state.lock.notify_all()

    def _write(self, pdu: codec.Pdu) -> None:
        with self.write_lock:
            self.request.sendall(pdu.encode())

    def _on_pdu(self, pdu: codec.Pdu, sender: threading.Thread) -> bool:
        cid = pdu.command_id
        if cid == codec.BIND_TRANSCEIVER:
            ok = codec.decode_bind(pdu.body) == (self.server.system_id, self.server.password)
            status = codec.ESME_ROK if ok else codec.ESME_RBINDFAIL
            self._write(codec.Pdu(cid | codec.RESP, status, pdu.sequence, codec.cstr("smsc")))
            if ok:
                self.bound = True
                self.server.state.binds += 1
                sender.start()
            return ok
        if cid == codec.SUBMIT_SM and self.bound:
            self._on_submit(pdu)
        elif cid == codec.DELIVER_SM | codec.RESP:
            with self.server.state.lock:
                message_id = self.inflight.pop(pdu.sequence, None)
                if message_id is not None:
                    self.server.state.acked.add(message_id)
        elif cid == codec.ENQUIRE_LINK:
            self._write(codec.Pdu(cid | codec.RESP, 0, pdu.sequence))
        elif cid == codec.UNBIND:
            self._write(codec.Pdu(cid | codec.RESP, 0, pdu.sequence))
            return False
        return True

    def _on_submit(self, pdu: codec.Pdu) -> None:
        if self.server.delay:
            time.sleep(self.server.delay)
        sm = codec.decode_sm(pdu.body)
        ref = sm.tlvs.get(codec.TLV_CLIENT_REF, b"").decode() or f"anon:{pdu.sequence}"
        state = self.server.state
        if sm.destination in self.server.invalid:
            self._write(
                codec.Pdu(pdu.command_id | codec.RESP, codec.ESME_RINVDSTADR, pdu.sequence, b"\0")
            )
            return
        with state.lock:
            state.submits += 1
            message_id = state.accepted.get(ref)
            if message_id is not None:
                state.duplicates += 1
                if message_id in state.acked:  # resend its receipt: the ESME may have lost it
                    state.acked.discard(message_id)
                    state.queue.append((message_id, state.final[message_id]))
            else:
                message_id = f"{len(state.accepted) + 1:010x}"
                state.accepted[ref] = message_id
                state.parts[ref] = sm
                state.handsets[sm.destination] = state.handsets.get(sm.destination, 0) + 1
                stat = "UNDELIV" if sm.destination in self.server.undeliverable else "DELIVRD"
                state.final[message_id] = stat
                state.queue.append((message_id, stat))
            state.lock.notify_all()
        self._write(codec.Pdu(pdu.command_id | codec.RESP, 0, pdu.sequence, codec.cstr(message_id)))

    def _send_receipts(self) -> None:
        state = self.server.state
        stamp = dt.datetime.now(dt.UTC).strftime("%y%m%d%H%M")
        sequence = 0
        while self.alive:
            with state.lock:
                if not state.queue:
                    state.lock.wait(0.2)
                    continue
                message_id, stat = state.queue.popleft()
                sequence += 1
                self.inflight[sequence] = message_id
            text = codec.receipt_text(message_id, stat, stamp).encode()
            sm = codec.ShortMessage(
                "",
                "",
                text,
                codec.ESM_RECEIPT,
                tlvs={
                    codec.TLV_RECEIPTED_MESSAGE_ID: codec.cstr(message_id),
                    codec.TLV_MESSAGE_STATE: bytes([codec.RECEIPT_STATES[stat]]),
                },
            )
            try:
                self._write(codec.Pdu(codec.DELIVER_SM, 0, sequence, codec.encode_sm(sm)))
            except OSError:
                return


class LocalSmsc(socketserver.ThreadingTCPServer):
    """Start with ``LocalSmsc().start()``; ``port`` is the port it listens on."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, system_id: str = "fanzha", password: str = "secret") -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.system_id, self.password = system_id, password
        self.state = SmscState()
        self.invalid: set[str] = set()
        self.undeliverable: set[str] = set()
        self.delay = 0.0  # seconds per submit_sm (to slow a run down for crash tests)

    @property
    def port(self) -> int:
        """The port it listens on."""
        return int(self.server_address[1])

    def start(self) -> LocalSmsc:
        """Serve in a daemon thread."""
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        self.shutdown()
        self.server_close()
