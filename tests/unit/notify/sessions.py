"""Checks the SMPP and CMPP channel tests share (both are pipelined sessions)."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from typing import Any

from fanzha.errors import NotifyError
from fanzha.notify.channel import Outgoing, Receipt, SendResult
from fanzha.notify.pipelined import PipelinedChannel

Channel = PipelinedChannel[Any]


def wait_receipts(channel: Channel, count: int, wait: float = 10) -> list[Receipt]:
    """The buffered receipts once there are ``count`` (or what there is after ``wait`` s)."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        got = channel.poll_receipts()
        if len(got) >= count:
            return got
        time.sleep(0.02)
    return channel.poll_receipts()


def check_unconfirmed_receipts_come_again(connect: Callable[[], Channel], acked: set[Any]) -> None:
    """A receipt not confirmed before close comes again on the next session; confirmed
    ones reach the server's ``acked`` and leave the buffer."""
    channel = connect()
    channel.send_batch([Outgoing("ref-b", "13800002222", "t", "hello")])
    assert len(wait_receipts(channel, 1)) == 1
    channel.close()  # not confirmed: the server keeps it
    channel = connect()
    try:
        channel.send_batch([Outgoing("ref-c", "13800003333", "t", "hello")])
        receipts = wait_receipts(channel, 2)
        assert len(receipts) == 2
        channel.confirm(receipts)
        time.sleep(0.2)
        assert channel.poll_receipts() == [] and len(acked) == 2
    finally:
        channel.close()


def send_to_a_closed_port(make: Callable[[int], Channel]) -> SendResult | NotifyError:
    """What a channel made for a port nobody listens on answers a send."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    (result,) = make(port).send_batch([Outgoing("x", "1", "t", "hi")])
    return result
