"""The session machinery SMPP and CMPP share: window slots across failed writes."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from fanzha.errors import NotifyError, RetryableSendError
from fanzha.notify.channel import Outgoing, SendResult
from fanzha.notify.cmpp import CmppChannel, CmppConfig
from fanzha.notify.pipelined import PipelinedChannel, Wire
from fanzha.notify.smpp import SmppChannel, SmppConfig
from fanzha.notify.testing.ismg import LocalIsmg
from fanzha.notify.testing.smsc import LocalSmsc


@pytest.fixture(params=["smpp", "cmpp"])
def channel(request: pytest.FixtureRequest) -> PipelinedChannel[Any]:
    """A channel with a window of one slot, against its local server."""
    if request.param == "smpp":
        smsc: LocalSmsc = request.getfixturevalue("smsc")
        return SmppChannel(
            "sms", SmppConfig("127.0.0.1", smsc.port, "fanzha", "secret", window=1, timeout=2)
        )
    ismg: LocalIsmg = request.getfixturevalue("ismg")
    return CmppChannel(
        "sms", CmppConfig("127.0.0.1", ismg.port, "900001", "secret", window=1, timeout=2)
    )


def _fail_once(channel: PipelinedChannel[Any], monkeypatch: pytest.MonkeyPatch, drop: bool) -> None:
    """The next write fails: the session lost (with the drop) or gone before it (without)."""
    write = channel._write

    def failing(pdu: Wire) -> None:
        monkeypatch.setattr(channel, "_write", write)
        sock = channel._sock
        assert sock is not None
        if drop:  # as when the peer reset the connection: the reader ends too
            sock.shutdown(socket.SHUT_RDWR)
            channel._drop(sock)
            assert channel._reader is not None
            channel._reader.join(5)
        raise RetryableSendError("write failed")

    monkeypatch.setattr(channel, "_write", failing)


@pytest.mark.parametrize("drop", [False, True])
def test_a_failed_write_gives_its_window_slot_back(
    channel: PipelinedChannel[Any], monkeypatch: pytest.MonkeyPatch, drop: bool
) -> None:
    try:
        assert isinstance(
            channel.send_batch([Outgoing("w0", "13800001110", "t", "hi")])[0], SendResult
        )
        _fail_once(channel, monkeypatch, drop)
        (lost,) = channel.send_batch([Outgoing("w1", "13800001111", "t", "hi")])
        assert isinstance(lost, NotifyError)
        results = channel.send_batch(
            [Outgoing(f"w{i}", f"1380000111{i}", "t", "hi") for i in (2, 3)]
        )
        assert all(isinstance(r, SendResult) for r in results), results  # not "window full"
    finally:
        channel.close()


def test_a_late_drop_of_a_replaced_socket_leaves_the_new_session_alone(
    channel: PipelinedChannel[Any],
) -> None:
    """An old reader that wakes after a reconnect must not fail the new session's submits
    or forget its receipts (it did before 2026-12-07: they were resent, the receipts late)."""
    try:
        assert isinstance(
            channel.send_batch([Outgoing("w0", "13800001110", "t", "hi")])[0], SendResult
        )
        old = channel._sock
        assert old is not None
        channel._drop(old)  # the session is lost; the next batch reconnects
        assert isinstance(
            channel.send_batch([Outgoing("w1", "13800001111", "t", "hi")])[0], SendResult
        )
        new = channel._sock
        assert new is not None and new is not old
        waiting = object()
        with channel._lock:
            channel._pending[999_999] = waiting  # type: ignore[assignment]
            receipts = list(channel._receipts)
        channel._drop(old)  # the old reader, waking late
        assert channel._sock is new
        with channel._lock:
            assert channel._pending.pop(999_999) is waiting
            assert list(channel._receipts) == receipts
    finally:
        channel.close()
