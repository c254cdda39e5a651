"""What the local SMSC (SMPP) and ISMG (CMPP) share: the server, its state, a session.

:class:`LocalServer` listens on a random port of 127.0.0.1 and serves each connection with a
:class:`PipelinedSession`, which reads PDUs until the client leaves and, once the client is
bound (or connected), sends the queued delivery reports from a second thread. A report stays
in the session's ``inflight`` until the client acknowledges it; when the session ends, the
unacknowledged ones go back to the head of the queue and are sent again on the next session.
:meth:`ServerState.accept` honours the client reference: a resend of a reference already
accepted gets the original message id and is counted in ``duplicates``, not sent again. The
protocol parts (codec, bind/connect, ids, report PDUs) stay in ``smsc.py`` and ``ismg.py``.
"""

from __future__ import annotations

import contextlib
import socket
import socketserver
import threading
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, Self, TypeVar

R = TypeVar("R")  # a client reference
K = TypeVar("K")  # a message id
S = TypeVar("S")  # a submitted part


@dataclass
class ServerState(Generic[R, K, S]):
    """What the server has seen (read by tests); ``lock`` guards every field."""

    accepted: dict[R, K] = field(default_factory=dict)  # client reference → message id
    handsets: dict[str, int] = field(default_factory=dict)  # destination → parts sent to it
    parts: dict[R, S] = field(default_factory=dict)  # client reference → part
    duplicates: int = 0
    submits: int = 0
    queue: deque[K] = field(default_factory=deque)  # message ids whose report is due
    acked: set[K] = field(default_factory=set)
    final: dict[K, str] = field(default_factory=dict)  # message id → stat
    destinations: dict[K, str] = field(default_factory=dict)  # message id → destination
    lock: threading.Condition = field(default_factory=threading.Condition)

    def accept(self, ref: R, dest: str, part: S, new_id: Callable[[], K], stat: str) -> K:
        """The message id of a submit (a new one from ``new_id`` unless ``ref`` is known),
        its report queued; a resend of an acknowledged one queues its report again. The
        caller holds ``lock``."""
        self.submits += 1
        message_id = self.accepted.get(ref)
        if message_id is not None:
            self.duplicates += 1
            if message_id in self.acked:  # resend its report: the client may have lost it
                self.acked.discard(message_id)
                self.queue.append(message_id)
        else:
            message_id = new_id()
            self.accepted[ref] = message_id
            self.parts[ref] = part
            self.handsets[dest] = self.handsets.get(dest, 0) + 1
            self.final[message_id], self.destinations[message_id] = stat, dest
            self.queue.append(message_id)
        self.lock.notify_all()
        return message_id


class LocalServer(socketserver.ThreadingTCPServer):
    """Start with ``start()``; ``port`` is the port it listens on."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, handler: type[PipelinedSession[Any]], state: ServerState[Any, Any, Any]):
        super().__init__(("127.0.0.1", 0), handler)
        self.state = state
        self.undeliverable: set[str] = set()
        self.delay = 0.0  # seconds per submit (to slow a run down for crash tests)

    def stat(self, dest: str) -> str:
        """The final state of a message to ``dest``."""
        return "UNDELIV" if dest in self.undeliverable else "DELIVRD"

    @property
    def port(self) -> int:
        """The port it listens on."""
        return int(self.server_address[1])

    def start(self) -> Self:
        """Serve in a daemon thread."""
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        self.shutdown()
        self.server_close()


P = TypeVar("P")  # a PDU


class PipelinedSession(socketserver.BaseRequestHandler, ABC, Generic[P]):
    """One client connection (see the module docstring)."""

    server: LocalServer
    malformed: ClassVar[tuple[type[Exception], ...]] = ()  # errors counted, not raised

    # --- the protocol ----------------------------------------------------------------------
    @abstractmethod
    def _read(self, sock: socket.socket) -> P | None:
        """The next PDU, or None when the client closed the connection."""

    @abstractmethod
    def _on_pdu(self, pdu: P) -> bool:
        """Handle a PDU from the client; False ends the session."""

    @abstractmethod
    def _encode(self, pdu: P) -> bytes:
        """The PDU on the wire."""

    @abstractmethod
    def _report(self, reported: Any, sequence: int, stamp: str) -> P:
        """The report PDU of a message id (built outside the state's lock)."""

    @abstractmethod
    def _stamp(self) -> str:
        """The submit and done date of this session's reports."""

    def _on_malformed(self) -> None:
        """Count a PDU the codec refused (one of ``malformed``)."""

    def _tick(self) -> bool:
        """Between reports: anything else to send; False when the write failed."""
        return True

    def _idle_wait(self) -> float:
        """How long the report sender waits for the queue."""
        return 0.2

    # --- the session -----------------------------------------------------------------------
    def handle(self) -> None:
        """Serve the connection; put back the reports it did not acknowledge."""
        sock = self.request
        self.inflight: dict[int, Any] = {}  # report sequence → reported message id
        self.write_lock = threading.Lock()
        self.opened = False  # bound / connected
        self.alive = True
        self.sequence = 0
        self.sender = threading.Thread(target=self._send_reports, daemon=True)
        state = self.server.state
        try:
            while (pdu := self._read(sock)) is not None:
                if not self._on_pdu(pdu):
                    break
        except self.malformed:
            self._on_malformed()
        except OSError:
            pass
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        with state.lock:  # unacknowledged reports go back to the queue
            self.alive = False
            self._requeue(list(self.inflight.values()))
            self.inflight.clear()
            state.lock.notify_all()

    def _requeue(self, reported: list[Any]) -> None:
        """Put unacknowledged reports back at the head of the queue, in order."""
        self.server.state.queue.extendleft(reversed(reported))

    def _write(self, pdu: P) -> None:
        with self.write_lock:
            self.request.sendall(self._encode(pdu))

    def _send(self, pdu: P) -> bool:
        try:
            self._write(pdu)
        except OSError:
            return False
        return True

    def _acknowledged(self, sequence: int, ok: bool = True) -> None:
        """The client answered a report: done, or (not ``ok``) due again."""
        state = self.server.state
        with state.lock:
            reported = self.inflight.pop(sequence, None)
            if reported is not None and ok:
                state.acked.add(reported)
            elif reported is not None:
                state.queue.append(reported)

    def _send_reports(self) -> None:
        state, stamp = self.server.state, self._stamp()
        while self.alive:
            if not self._tick():
                return
            with state.lock:
                if not self.alive:
                    return
                if not state.queue:
                    state.lock.wait(self._idle_wait())
                    continue
                reported = state.queue.popleft()
                self.sequence += 1
                self.inflight[self.sequence] = reported
                sequence = self.sequence
            if not self._send(self._report(reported, sequence, stamp)):
                return
