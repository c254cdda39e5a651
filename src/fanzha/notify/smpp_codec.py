"""A compact SMPP 3.4 codec: the PDUs an ESME and a test SMSC exchange, UCS2 and UDH splitting.

Only what outreach needs: bind_transceiver, submit_sm, deliver_sm (delivery receipts),
enquire_link, unbind, generic_nack and their responses, with TLV optional parameters.
Chinese text goes as UCS2 (``data_coding`` 8): 70 characters in one message, 67 per part
when a long text is split with a concatenation UDH (``esm_class`` 0x40). The client
reference travels in the vendor-specific TLV ``0x1401`` (SMPP 3.4 reserves 0x1400-0x3FFF for
vendors; ``user_message_reference`` holds only 16 bits).
"""

from __future__ import annotations

import re
import socket
import struct
from dataclasses import dataclass, field

from fanzha.errors import PermanentSendError
from fanzha.notify.sms_common import concatenated, read_exact

BIND_TRANSCEIVER = 0x00000009
SUBMIT_SM = 0x00000004
DELIVER_SM = 0x00000005
UNBIND = 0x00000006
ENQUIRE_LINK = 0x00000015
GENERIC_NACK = 0x80000000
RESP = 0x80000000

ESME_ROK = 0x00
ESME_RINVDSTADR = 0x0B
ESME_RTHROTTLED = 0x58
ESME_RBINDFAIL = 0x0D
ESME_RSYSERR = 0x08

TLV_RECEIPTED_MESSAGE_ID = 0x001E
TLV_MESSAGE_STATE = 0x0427
TLV_CLIENT_REF = 0x1401  # vendor-specific: the ESME's idempotency key

DC_DEFAULT = 0x00
DC_UCS2 = 0x08
ESM_UDHI = 0x40
ESM_RECEIPT = 0x04
HEADER = struct.Struct(">IIII")
MAX_PDU = 64 * 1024
_PLAIN = re.compile(r"[A-Za-z0-9 .,!?:;'\"()/+%&\-\n]*")


@dataclass
class Pdu:
    """One PDU: header fields and a raw body (decoded further by the helpers below)."""

    command_id: int
    status: int
    sequence: int
    body: bytes = b""

    def encode(self) -> bytes:
        """The PDU on the wire."""
        return (
            HEADER.pack(HEADER.size + len(self.body), self.command_id, self.status, self.sequence)
            + self.body
        )


@dataclass
class ShortMessage:
    """The body of a submit_sm or deliver_sm."""

    source: str
    destination: str
    message: bytes
    esm_class: int = 0
    data_coding: int = DC_DEFAULT
    registered_delivery: int = 1
    tlvs: dict[int, bytes] = field(default_factory=dict)


def cstr(value: str) -> bytes:
    """A C-octet string."""
    return value.encode("ascii", "replace") + b"\0"


def read_cstr(data: bytes, pos: int) -> tuple[str, int]:
    """A C-octet string at ``pos`` and the position after it."""
    end = data.index(b"\0", pos)
    return data[pos:end].decode("ascii", "replace"), end + 1


def encode_sm(sm: ShortMessage) -> bytes:
    """The body of a submit_sm / deliver_sm."""
    if len(sm.message) > 254:
        raise PermanentSendError("short message longer than 254 octets")
    head = b"".join(
        [
            cstr(""),
            bytes([1, 1]),
            cstr(sm.source),
            bytes([1, 1]),
            cstr(sm.destination),
            bytes([sm.esm_class, 0, 0]),
            cstr(""),
            cstr(""),
            bytes([sm.registered_delivery, 0, sm.data_coding, 0, len(sm.message)]),
            sm.message,
        ]
    )
    return head + b"".join(struct.pack(">HH", t, len(v)) + v for t, v in sm.tlvs.items())


def decode_sm(body: bytes) -> ShortMessage:
    """Parse the body of a submit_sm / deliver_sm."""
    _, pos = read_cstr(body, 0)
    source, pos = read_cstr(body, pos + 2)
    destination, pos = read_cstr(body, pos + 2)
    esm_class = body[pos]
    _, pos = read_cstr(body, pos + 3)
    _, pos = read_cstr(body, pos)
    registered, coding, length = body[pos], body[pos + 2], body[pos + 4]
    message = body[pos + 5 : pos + 5 + length]
    pos += 5 + length
    tlvs: dict[int, bytes] = {}
    while pos + 4 <= len(body):
        tag, size = struct.unpack_from(">HH", body, pos)
        tlvs[tag] = body[pos + 4 : pos + 4 + size]
        pos += 4 + size
    return ShortMessage(source, destination, message, esm_class, coding, registered, tlvs)


def encode_bind(system_id: str, password: str) -> bytes:
    """The body of a bind_transceiver (interface version 3.4)."""
    return cstr(system_id) + cstr(password) + cstr("") + bytes([0x34, 0, 0]) + cstr("")


def decode_bind(body: bytes) -> tuple[str, str]:
    """System id and password of a bind."""
    system_id, pos = read_cstr(body, 0)
    password, _ = read_cstr(body, pos)
    return system_id, password


def split_text(text: str, reference: int) -> list[tuple[int, int, bytes]]:
    """``(esm_class, data_coding, octets)`` per part: plain ASCII as-is, else UCS2 with UDH."""
    if _PLAIN.fullmatch(text):
        return _split(text.encode("ascii"), DC_DEFAULT, single=160, part=153, unit=1, ref=reference)
    return _split(text.encode("utf-16-be"), DC_UCS2, single=140, part=134, unit=2, ref=reference)


def _split(
    data: bytes, coding: int, *, single: int, part: int, unit: int, ref: int
) -> list[tuple[int, int, bytes]]:
    if len(data) <= single:
        return [(0, coding, data)]
    return [(ESM_UDHI, coding, p) for p in concatenated(data, part, unit=unit, ref=ref)]


def join_text(parts: list[ShortMessage]) -> str:
    """Reassemble the text of the parts of one message (test servers, tests)."""
    out = bytearray()
    for sm in parts:
        octets = sm.message[sm.message[0] + 1 :] if sm.esm_class & ESM_UDHI else sm.message
        out += octets
    coding = parts[0].data_coding
    return out.decode("utf-16-be") if coding == DC_UCS2 else out.decode("ascii")


def udh_of(sm: ShortMessage) -> tuple[int, int, int] | None:
    """``(reference, total, seqnum)`` of a concatenated part, else None."""
    if not sm.esm_class & ESM_UDHI or len(sm.message) < 6:
        return None
    return sm.message[3], sm.message[4], sm.message[5]


RECEIPT_STATES = {"DELIVRD": 2, "EXPIRED": 3, "UNDELIV": 5, "REJECTD": 8}
STATE_TO_STATUS = {
    "DELIVRD": "delivered",
    "EXPIRED": "expired",
    "UNDELIV": "failed",
    "REJECTD": "failed",
}
_RECEIPT = re.compile(r"id:(\S+).*?stat:(\w+)", re.S)


def receipt_text(message_id: str, stat: str, stamp: str) -> str:
    """The conventional delivery-receipt text (SMPP 3.4 appendix B)."""
    err = "000" if stat == "DELIVRD" else "001"
    return (
        f"id:{message_id} sub:001 dlvrd:{'001' if stat == 'DELIVRD' else '000'} "
        f"submit date:{stamp} done date:{stamp} stat:{stat} err:{err} text:"
    )


def parse_receipt(sm: ShortMessage) -> tuple[str, str] | None:
    """``(message id, status)`` of a delivery receipt, else None."""
    if not sm.esm_class & ESM_RECEIPT:
        return None
    match = _RECEIPT.search(sm.message.decode("ascii", "replace"))
    tlv_id = sm.tlvs.get(TLV_RECEIPTED_MESSAGE_ID)
    if match is None:
        return None
    message_id = tlv_id.rstrip(b"\0").decode("ascii") if tlv_id else match.group(1)
    return message_id, STATE_TO_STATUS.get(match.group(2), "failed")


def read_pdu(sock: socket.socket) -> Pdu | None:
    """The next PDU from a blocking socket, or None when the peer closed it."""
    head = read_exact(sock, HEADER.size)
    if head is None:
        return None
    length, command_id, status, sequence = HEADER.unpack(head)
    if not HEADER.size <= length <= MAX_PDU:
        raise ConnectionError(f"bad SMPP command_length {length}")
    body = read_exact(sock, length - HEADER.size) if length > HEADER.size else b""
    if body is None:
        return None
    return Pdu(command_id, status, sequence, body)
