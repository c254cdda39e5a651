"""What the SMPP and CMPP codecs share: reading a framed PDU's octets, concatenated parts.

A long SMS goes as parts that each start with a 6-octet concatenation UDH
(``05 00 03 ref total number``); a UCS2 text is never cut inside a surrogate pair.
"""

from __future__ import annotations

import socket

from fanzha.errors import PermanentSendError


def read_exact(sock: socket.socket, size: int) -> bytes | None:
    """``size`` octets from a blocking socket, or None when the peer closed it first."""
    chunks = bytearray()
    while len(chunks) < size:
        data = sock.recv(size - len(chunks))
        if not data:
            return None
        chunks += data
    return bytes(chunks)


def concatenated(data: bytes, size: int, *, unit: int, ref: int) -> list[bytes]:
    """``data`` cut into parts of at most ``size`` octets, each behind its UDH."""
    chunks: list[bytes] = []
    pos = 0
    while pos < len(data):
        end = min(pos + size, len(data))
        if unit == 2 and end < len(data) and 0xD8 <= data[end - 2] <= 0xDB:
            end -= 2  # never split a surrogate pair
        chunks.append(data[pos:end])
        pos = end
    if len(chunks) > 255:
        raise PermanentSendError("message too long for a concatenated SMS")
    total = len(chunks)
    return [bytes([5, 0, 3, ref & 0xFF, total, i + 1]) + chunk for i, chunk in enumerate(chunks)]
