"""A compact CMPP 2.0 codec: the PDUs an SP client and a test ISMG exchange, UCS2 and UDH.

CMPP 2.0 (China Mobile Peer to Peer, the protocol of the operators' ISMG gateways): a 12-byte
big-endian header ``Total_Length Command_Id Sequence_Id``, then fixed-layout bodies. Only what
outreach needs: CMPP_CONNECT (MD5 authenticator), CMPP_SUBMIT, CMPP_DELIVER (status reports
and mobile-originated messages), CMPP_ACTIVE_TEST, CMPP_TERMINATE and their responses.
Chinese text goes as UCS2 (``Msg_Fmt`` 8): 70 characters in one message, 67 per part when a
long text is split with a concatenation UDH (``TP_udhi`` 1, ``Pk_total``/``Pk_number`` set).
The client reference travels in the submit's 8-byte ``Reserve`` (a 64-bit digest of
``ref:part``): CMPP 2.0 has no field for it. Decoding checks every length and raises
:class:`~fanzha.errors.NotifyError` for a malformed PDU.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import socket
import struct
from dataclasses import dataclass

from fanzha.errors import NotifyError, PermanentSendError
from fanzha.notify.sms_common import concatenated, read_exact

CONNECT = 0x00000001
TERMINATE = 0x00000002
SUBMIT = 0x00000004
DELIVER = 0x00000005
ACTIVE_TEST = 0x00000008
RESP = 0x80000000
CONNECT_RESP = CONNECT | RESP
TERMINATE_RESP = TERMINATE | RESP
SUBMIT_RESP = SUBMIT | RESP
DELIVER_RESP = DELIVER | RESP
ACTIVE_TEST_RESP = ACTIVE_TEST | RESP
COMMANDS = frozenset(
    {CONNECT, TERMINATE, SUBMIT, DELIVER, ACTIVE_TEST}
    | {CONNECT_RESP, TERMINATE_RESP, SUBMIT_RESP, DELIVER_RESP, ACTIVE_TEST_RESP}
)

VERSION = 0x20
# CMPP_CONNECT_RESP Status
CONNECT_OK = 0
CONNECT_BAD_STRUCTURE = 1
CONNECT_BAD_SOURCE = 2
CONNECT_AUTH_FAILED = 3
CONNECT_VERSION_TOO_HIGH = 4
# CMPP_SUBMIT_RESP Result
SUBMIT_OK = 0
SUBMIT_BAD_STRUCTURE = 1
SUBMIT_BAD_COMMAND = 2
SUBMIT_DUPLICATE_SEQUENCE = 3
SUBMIT_BAD_LENGTH = 4
SUBMIT_BAD_FEE_CODE = 5
SUBMIT_TOO_LONG = 6
SUBMIT_BAD_SERVICE = 7
SUBMIT_FLOW_CONTROL = 8

FMT_ASCII = 0
FMT_UCS2 = 8
FMT_GBK = 15
HEADER = struct.Struct(">III")
MAX_PDU = 4 * 1024  # a CMPP 2.0 PDU: at most 100 destinations × 21 + 140 octets + fields
MAX_CONTENT = 140
_CONNECT = struct.Struct(">6s16sBI")
_CONNECT_RESP = struct.Struct(">B16sB")
_SUBMIT_HEAD = struct.Struct(">QBBBB10sB21sBBB6s2s6s17s17s21sB")
_SUBMIT_RESP = struct.Struct(">QB")
_DELIVER_HEAD = struct.Struct(">Q21s10sBBB21sBB")
_REPORT = struct.Struct(">Q7s10s10s21sI")
_PLAIN = re.compile(r"[A-Za-z0-9 .,!?:;'\"()/+%&\-\n]*")

STAT_TO_STATUS = {"DELIVRD": "delivered", "EXPIRED": "expired"}  # anything else: failed


def _malformed(what: str, command_id: int) -> NotifyError:
    return NotifyError(f"malformed CMPP PDU: {what}", command=f"0x{command_id:08x}")


@dataclass(frozen=True)
class Pdu:
    """One PDU: header fields and a raw body (decoded further by the helpers below)."""

    command_id: int
    sequence: int
    body: bytes = b""

    def encode(self) -> bytes:
        """The PDU on the wire."""
        return HEADER.pack(HEADER.size + len(self.body), self.command_id, self.sequence) + self.body


def decode_pdu(data: bytes) -> Pdu:
    """One whole PDU from its bytes (the header's length must match)."""
    if len(data) < HEADER.size:
        raise _malformed(f"{len(data)} octets, shorter than the header", 0)
    length, command_id, sequence = HEADER.unpack_from(data)
    _check_header(length, command_id)
    if length != len(data):
        raise _malformed(f"Total_Length {length} but {len(data)} octets", command_id)
    return Pdu(command_id, sequence, data[HEADER.size :])


def _check_header(length: int, command_id: int) -> None:
    if not HEADER.size <= length <= MAX_PDU:
        raise _malformed(f"Total_Length {length}", command_id)
    if command_id not in COMMANDS:
        raise _malformed("unknown Command_Id", command_id)


# --- fixed-width text fields -------------------------------------------------------------
def octets(value: str, size: int, name: str) -> bytes:
    """``value`` as an ASCII field of ``size`` octets, NUL padded."""
    data = value.encode("ascii", "replace")
    if len(data) > size:
        raise PermanentSendError("CMPP field too long", field=name, size=size)
    return data.ljust(size, b"\0")


def text_of(data: bytes, name: str, command_id: int) -> str:
    """An ASCII field without its NUL padding."""
    try:
        return data.split(b"\0", 1)[0].decode("ascii")
    except UnicodeDecodeError as exc:
        raise _malformed(f"non-ASCII {name}", command_id) from exc


# --- CMPP_CONNECT ------------------------------------------------------------------------
@dataclass(frozen=True)
class Connect:
    """CMPP_CONNECT: the SP's id, its authenticator, the version and the timestamp."""

    source_addr: str
    authenticator: bytes
    version: int = VERSION
    timestamp: int = 0  # MMDDHHMMSS as a number


def timestamp_of(when: dt.datetime) -> str:
    """The ``MMDDHHMMSS`` of a connect."""
    return when.strftime("%m%d%H%M%S")


def authenticator_source(source_addr: str, secret: str, timestamp: str) -> bytes:
    """MD5(Source_Addr + 9 zero octets + shared secret + timestamp 'MMDDHHMMSS')."""
    data = source_addr.encode("ascii") + b"\0" * 9 + secret.encode("utf-8") + timestamp.encode()
    return hashlib.md5(data, usedforsecurity=False).digest()  # the protocol's own choice


def authenticator_ismg(status: int, source_auth: bytes, secret: str) -> bytes:
    """MD5(Status + AuthenticatorSource + shared secret): the ISMG proves it knows the secret."""
    data = bytes([status]) + source_auth + secret.encode("utf-8")
    return hashlib.md5(data, usedforsecurity=False).digest()


def make_connect(source_addr: str, secret: str, when: dt.datetime) -> Connect:
    """A CMPP_CONNECT for ``source_addr`` at ``when`` (local time of the SP)."""
    stamp = timestamp_of(when)
    return Connect(
        source_addr, authenticator_source(source_addr, secret, stamp), VERSION, int(stamp)
    )


def encode_connect(c: Connect) -> bytes:
    """The body of a CMPP_CONNECT."""
    if len(c.authenticator) != 16:
        raise PermanentSendError("CMPP authenticator must be 16 octets")
    return _CONNECT.pack(
        octets(c.source_addr, 6, "Source_Addr"), c.authenticator, c.version, c.timestamp
    )


def decode_connect(body: bytes) -> Connect:
    """Parse the body of a CMPP_CONNECT."""
    _exact(body, _CONNECT.size, CONNECT)
    source, auth, version, stamp = _CONNECT.unpack(body)
    return Connect(text_of(source, "Source_Addr", CONNECT), auth, version, stamp)


@dataclass(frozen=True)
class ConnectResp:
    """CMPP_CONNECT_RESP."""

    status: int
    authenticator: bytes = b"\0" * 16
    version: int = VERSION


def encode_connect_resp(r: ConnectResp) -> bytes:
    """The body of a CMPP_CONNECT_RESP."""
    return _CONNECT_RESP.pack(r.status, r.authenticator, r.version)


def decode_connect_resp(body: bytes) -> ConnectResp:
    """Parse the body of a CMPP_CONNECT_RESP."""
    _exact(body, _CONNECT_RESP.size, CONNECT_RESP)
    return ConnectResp(*_CONNECT_RESP.unpack(body))


# --- CMPP_SUBMIT -------------------------------------------------------------------------
@dataclass(frozen=True)
class Submit:
    """The body of a CMPP_SUBMIT (CMPP 2.0 layout)."""

    destinations: tuple[str, ...]
    content: bytes
    msg_src: str = ""  # the SP's enterprise code (Source_Addr of the connect)
    src_id: str = ""  # the SP's access number the handset sees, e.g. 12381
    msg_fmt: int = FMT_UCS2
    tp_udhi: int = 0
    pk_total: int = 1
    pk_number: int = 1
    registered_delivery: int = 1
    msg_level: int = 0
    service_id: str = ""
    fee_user_type: int = 2  # charge nobody (fee terminal empty)
    fee_terminal_id: str = ""
    tp_pid: int = 0
    fee_type: str = "01"  # free
    fee_code: str = "000000"
    valid_time: str = ""
    at_time: str = ""
    msg_id: int = 0  # filled by the ISMG
    reserve: bytes = b"\0" * 8  # here: the client reference digest (see the module docstring)


def encode_submit(s: Submit) -> bytes:
    """The body of a CMPP_SUBMIT."""
    if len(s.content) > MAX_CONTENT:
        raise PermanentSendError("CMPP message longer than 140 octets")
    if not 1 <= len(s.destinations) <= 100:
        raise PermanentSendError("CMPP submit needs 1 to 100 destinations")
    if len(s.reserve) != 8:
        raise PermanentSendError("CMPP Reserve must be 8 octets")
    head = _SUBMIT_HEAD.pack(
        s.msg_id,
        s.pk_total,
        s.pk_number,
        s.registered_delivery,
        s.msg_level,
        octets(s.service_id, 10, "Service_Id"),
        s.fee_user_type,
        octets(s.fee_terminal_id, 21, "Fee_terminal_Id"),
        s.tp_pid,
        s.tp_udhi,
        s.msg_fmt,
        octets(s.msg_src, 6, "Msg_src"),
        octets(s.fee_type, 2, "FeeType"),
        octets(s.fee_code, 6, "FeeCode"),
        octets(s.valid_time, 17, "ValId_Time"),
        octets(s.at_time, 17, "At_Time"),
        octets(s.src_id, 21, "Src_Id"),
        len(s.destinations),
    )
    dests = b"".join(octets(d, 21, "Dest_terminal_Id") for d in s.destinations)
    return head + dests + bytes([len(s.content)]) + s.content + s.reserve


def decode_submit(body: bytes) -> Submit:
    """Parse the body of a CMPP_SUBMIT (every length checked)."""
    if len(body) < _SUBMIT_HEAD.size:
        raise _malformed(f"CMPP_SUBMIT body of {len(body)} octets", SUBMIT)
    (
        msg_id,
        pk_total,
        pk_number,
        registered,
        level,
        service_id,
        fee_user_type,
        fee_terminal,
        tp_pid,
        tp_udhi,
        msg_fmt,
        msg_src,
        fee_type,
        fee_code,
        valid_time,
        at_time,
        src_id,
        count,
    ) = _SUBMIT_HEAD.unpack_from(body)
    pos = _SUBMIT_HEAD.size
    if count < 1 or len(body) < pos + 21 * count + 1:
        raise _malformed(f"DestUsr_tl {count} does not fit the body", SUBMIT)
    dests = tuple(
        text_of(body[pos + 21 * i : pos + 21 * (i + 1)], "Dest_terminal_Id", SUBMIT)
        for i in range(count)
    )
    pos += 21 * count
    length = body[pos]
    if length > MAX_CONTENT or len(body) != pos + 1 + length + 8:
        raise _malformed(f"Msg_Length {length} does not fit the body", SUBMIT)
    if pk_total < 1 or not 1 <= pk_number <= pk_total:
        raise _malformed(f"Pk_number {pk_number} of Pk_total {pk_total}", SUBMIT)
    return Submit(
        destinations=dests,
        content=body[pos + 1 : pos + 1 + length],
        msg_src=text_of(msg_src, "Msg_src", SUBMIT),
        src_id=text_of(src_id, "Src_Id", SUBMIT),
        msg_fmt=msg_fmt,
        tp_udhi=tp_udhi,
        pk_total=pk_total,
        pk_number=pk_number,
        registered_delivery=registered,
        msg_level=level,
        service_id=text_of(service_id, "Service_Id", SUBMIT),
        fee_user_type=fee_user_type,
        fee_terminal_id=text_of(fee_terminal, "Fee_terminal_Id", SUBMIT),
        tp_pid=tp_pid,
        fee_type=text_of(fee_type, "FeeType", SUBMIT),
        fee_code=text_of(fee_code, "FeeCode", SUBMIT),
        valid_time=text_of(valid_time, "ValId_Time", SUBMIT),
        at_time=text_of(at_time, "At_Time", SUBMIT),
        msg_id=msg_id,
        reserve=body[pos + 1 + length :],
    )


def encode_resp(msg_id: int, result: int) -> bytes:
    """The body of a CMPP_SUBMIT_RESP or CMPP_DELIVER_RESP (Msg_Id, Result)."""
    return _SUBMIT_RESP.pack(msg_id, result)


def decode_resp(body: bytes, command_id: int = SUBMIT_RESP) -> tuple[int, int]:
    """``(Msg_Id, Result)`` of a CMPP_SUBMIT_RESP or CMPP_DELIVER_RESP."""
    _exact(body, _SUBMIT_RESP.size, command_id)
    msg_id, result = _SUBMIT_RESP.unpack(body)
    return int(msg_id), int(result)


# --- CMPP_DELIVER ------------------------------------------------------------------------
@dataclass(frozen=True)
class Deliver:
    """The body of a CMPP_DELIVER: a status report (``registered_delivery`` 1) or an MO text."""

    msg_id: int
    dest_id: str
    src_terminal_id: str
    content: bytes
    registered_delivery: int = 1
    service_id: str = ""
    tp_pid: int = 0
    tp_udhi: int = 0
    msg_fmt: int = FMT_ASCII
    reserved: bytes = b"\0" * 8


@dataclass(frozen=True)
class StatusReport:
    """The Msg_Content of a status report."""

    msg_id: int  # the Msg_Id of the CMPP_SUBMIT_RESP it reports on
    stat: str  # DELIVRD, EXPIRED, UNDELIV, REJECTD, DELETED, UNKNOWN, or an operator code
    submit_time: str  # YYMMDDHHMM
    done_time: str
    dest_terminal_id: str
    smsc_sequence: int = 0

    @property
    def status(self) -> str:
        """The receipt status: delivered, expired or failed."""
        return STAT_TO_STATUS.get(self.stat, "failed")


def encode_deliver(d: Deliver) -> bytes:
    """The body of a CMPP_DELIVER."""
    if len(d.content) > 255 or len(d.reserved) != 8:
        raise PermanentSendError("CMPP deliver content or reserve of a bad length")
    head = _DELIVER_HEAD.pack(
        d.msg_id,
        octets(d.dest_id, 21, "Dest_Id"),
        octets(d.service_id, 10, "Service_Id"),
        d.tp_pid,
        d.tp_udhi,
        d.msg_fmt,
        octets(d.src_terminal_id, 21, "Src_terminal_Id"),
        d.registered_delivery,
        len(d.content),
    )
    return head + d.content + d.reserved


def decode_deliver(body: bytes) -> Deliver:
    """Parse the body of a CMPP_DELIVER (every length checked)."""
    if len(body) < _DELIVER_HEAD.size:
        raise _malformed(f"CMPP_DELIVER body of {len(body)} octets", DELIVER)
    msg_id, dest, service, tp_pid, udhi, fmt, src, registered, length = _DELIVER_HEAD.unpack_from(
        body
    )
    pos = _DELIVER_HEAD.size
    if len(body) != pos + length + 8:
        raise _malformed(f"Msg_Length {length} does not fit the body", DELIVER)
    if registered == 1 and length != _REPORT.size:
        raise _malformed(f"status report of {length} octets", DELIVER)
    return Deliver(
        msg_id,
        text_of(dest, "Dest_Id", DELIVER),
        text_of(src, "Src_terminal_Id", DELIVER),
        body[pos : pos + length],
        registered,
        text_of(service, "Service_Id", DELIVER),
        tp_pid,
        udhi,
        fmt,
        body[pos + length :],
    )


def encode_report(r: StatusReport) -> bytes:
    """The Msg_Content of a status report."""
    return _REPORT.pack(
        r.msg_id,
        octets(r.stat, 7, "Stat"),
        octets(r.submit_time, 10, "Submit_time"),
        octets(r.done_time, 10, "Done_time"),
        octets(r.dest_terminal_id, 21, "Dest_terminal_Id"),
        r.smsc_sequence,
    )


def decode_report(content: bytes) -> StatusReport:
    """Parse the Msg_Content of a status report."""
    _exact(content, _REPORT.size, DELIVER)
    msg_id, stat, submitted, done, dest, sequence = _REPORT.unpack(content)
    return StatusReport(
        msg_id,
        text_of(stat, "Stat", DELIVER),
        text_of(submitted, "Submit_time", DELIVER),
        text_of(done, "Done_time", DELIVER),
        text_of(dest, "Dest_terminal_Id", DELIVER),
        sequence,
    )


def _exact(body: bytes, size: int, command_id: int) -> None:
    if len(body) != size:
        raise _malformed(f"body of {len(body)} octets, expected {size}", command_id)


# --- Msg_Id, texts -----------------------------------------------------------------------
def make_msg_id(when: dt.datetime, gateway: int, sequence: int) -> int:
    """An ISMG Msg_Id: month, day, hour, minute, second, gateway code (22 bits), sequence."""
    return (
        when.month << 60
        | when.day << 55
        | when.hour << 50
        | when.minute << 44
        | when.second << 38
        | (gateway & 0x3FFFFF) << 16
        | sequence & 0xFFFF
    )


def msg_id_text(msg_id: int) -> str:
    """A Msg_Id as the provider id the outbox stores (16 hex digits)."""
    return f"{msg_id:016x}"


def client_reference(ref: str, part: int) -> bytes:
    """The 8-octet digest of ``ref:part`` carried in the submit's Reserve."""
    return hashlib.blake2b(f"{ref}:{part}".encode(), digest_size=8).digest()


@dataclass(frozen=True)
class Part:
    """One CMPP_SUBMIT's worth of a text."""

    msg_fmt: int
    tp_udhi: int
    pk_total: int
    pk_number: int
    content: bytes


def split_text(text: str, reference: int) -> list[Part]:
    """The parts of a text: plain ASCII as-is, else UCS2; past 140 octets with a 6-octet UDH."""
    if _PLAIN.fullmatch(text):
        return _split(text.encode("ascii"), FMT_ASCII, unit=1, ref=reference)
    return _split(text.encode("utf-16-be"), FMT_UCS2, unit=2, ref=reference)


def _split(data: bytes, fmt: int, *, unit: int, ref: int) -> list[Part]:
    if len(data) <= MAX_CONTENT:
        return [Part(fmt, 0, 1, 1, data)]
    parts = concatenated(data, MAX_CONTENT - 6, unit=unit, ref=ref)
    return [Part(fmt, 1, len(parts), i + 1, p) for i, p in enumerate(parts)]


def udh_of(content: bytes, tp_udhi: int) -> tuple[int, int, int] | None:
    """``(reference, total, seqnum)`` of a concatenated part, else None."""
    if not tp_udhi or len(content) < 6 or content[:3] != b"\x05\x00\x03":
        return None
    return content[3], content[4], content[5]


def join_text(parts: list[Submit]) -> str:
    """Reassemble the text of the parts of one message (test servers, tests)."""
    out = bytearray()
    for s in sorted(parts, key=lambda p: p.pk_number):
        out += s.content[s.content[0] + 1 :] if s.tp_udhi else s.content
    fmt = parts[0].msg_fmt
    if fmt == FMT_UCS2:
        return out.decode("utf-16-be")
    return out.decode("gbk") if fmt == FMT_GBK else out.decode("ascii")


def read_pdu(sock: socket.socket) -> Pdu | None:
    """The next PDU from a blocking socket, or None when the peer closed it."""
    head = read_exact(sock, HEADER.size)
    if head is None:
        return None
    length, command_id, sequence = HEADER.unpack(head)
    _check_header(length, command_id)
    body = read_exact(sock, length - HEADER.size) if length > HEADER.size else b""
    if body is None:
        return None
    return Pdu(command_id, sequence, body)
