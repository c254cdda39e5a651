"""ID numbers in bulk: validate, pseudonymise and mask a whole column at once.

Same results as :func:`fanzha.core.idcard.validate` and :func:`~fanzha.core.idcard.pseudonymise`
(a test checks it), but the shape, birth date and checksum are checked with numpy over the
column, and only the HMAC runs per value — about 20x faster, which matters for a registry of
800 k residents. Raw numbers never leave this module: callers get the pseudonym, an error
message, and a masked form (first 6 characters, the rest ``*``) for quarantine files.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from fanzha.core.idcard import _CHECK_CHARS, _WEIGHTS

__all__ = [
    "IdColumns",
    "id_columns",
    "mask_id",
    "mask_ids_in_text",
    "pseudonym_params",
    "pseudonym_sql",
    "pseudonymise_column",
]

_SHAPE = r"^[0-9]{17}[0-9X]$"
_ID_LIKE = re.compile(r"(?<![0-9])([0-9]{6})[0-9]{11}[0-9Xx](?![0-9A-Za-z])")
_BAD_SHAPE = "ID number must be 17 digits and a digit or X"
_BAD_CHECK = "ID number checksum does not match"
_BAD_DATE = "ID number has an impossible birth date "
_DAYS = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])

IdColumns = tuple[pa.Array, pa.Array, pa.Array]  # pseudonym, error, masked


def mask_id(text: str | None) -> str | None:
    """Keep the first 6 characters (the region code), mask the rest."""
    if text is None:
        return None
    value = str(text).strip()
    return value[:6] + "*" * 12 if len(value) > 6 else value


def mask_ids_in_text(text: str) -> str:
    """Mask anything that looks like an 18-digit ID number inside free text."""
    return _ID_LIKE.sub(lambda m: m.group(1) + "*" * 12, text)


def _birth_errors(digits: npt.NDArray[np.int32]) -> npt.NDArray[np.bool_]:
    def number(a: int, b: int) -> npt.NDArray[np.int32]:
        weights = (10 ** np.arange(b - a - 1, -1, -1)).astype(np.int32)
        return np.asarray(digits[:, a:b] @ weights, dtype=np.int32)

    year, month, day = number(6, 10), number(10, 12), number(12, 14)
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    month_ok = (month >= 1) & (month <= 12)
    limit = _DAYS[np.clip(month - 1, 0, 11)] + ((month == 2) & leap)
    valid: npt.NDArray[np.bool_] = month_ok & (day >= 1) & (day <= limit) & (year >= 1)
    return np.logical_not(valid)


def _pads(key: str) -> tuple[bytes, bytes]:
    """HMAC-SHA256's inner and outer key pads for ``key`` (RFC 2104)."""
    padded = key.encode().ljust(64, b"\0") if len(key.encode()) <= 64 else b""
    if not padded:
        padded = hashlib.sha256(key.encode()).digest().ljust(64, b"\0")
    return bytes(b ^ 0x36 for b in padded), bytes(b ^ 0x5C for b in padded)


def _hmac_hex20(key: str) -> Callable[[bytes], str]:
    """HMAC-SHA256 with the key pads hashed once: 2x faster than ``hmac.new`` per value."""
    inner_pad, outer_pad = _pads(key)
    inner0 = hashlib.sha256(inner_pad)
    outer0 = hashlib.sha256(outer_pad)

    def digest(value: bytes) -> str:
        inner = inner0.copy()
        inner.update(value)
        outer = outer0.copy()
        outer.update(inner.digest())
        return outer.hexdigest()[:20]

    return digest


def pseudonym_sql(column: str) -> str:
    """SQL for the pseudonym of VARCHAR ``column`` holding canonical valid ID numbers.

    The HMAC of :func:`pseudonymise_column`, computed by DuckDB (in parallel, without a Python
    loop); bind :func:`pseudonym_params` with it. NULL stays NULL.
    """
    inner = f"unhex(sha256($fz_inner_pad || encode({column})))"
    return f"'P' || left(sha256($fz_outer_pad || {inner}), 20)"


def pseudonym_params(key: str) -> dict[str, object]:
    """The parameters of :func:`pseudonym_sql` for ``key``."""
    inner_pad, outer_pad = _pads(key)
    return {"fz_inner_pad": inner_pad, "fz_outer_pad": outer_pad}


def _shaped_bytes(good: pa.Array) -> npt.NDArray[np.uint8]:
    """The bytes of ``good`` (18-character ASCII strings) as an n x 18 matrix, read from the
    Arrow buffers rather than through Python strings."""
    good = good.cast(pa.large_string())  # 64-bit offsets
    offsets = np.frombuffer(good.buffers()[1], np.int64)[good.offset : good.offset + len(good) + 1]
    data = np.frombuffer(good.buffers()[2], np.uint8)[offsets[0] : offsets[-1]]
    return data.reshape(len(good), 18)


def _errors(canonical: pa.Array) -> pa.Array:
    """Error message per canonical value (null when valid or absent)."""
    present = pc.fill_null(pc.not_equal(canonical, ""), False)
    shaped = pc.fill_null(pc.match_substring_regex(canonical, _SHAPE), False)
    errors = pc.if_else(
        pc.and_(present, pc.invert(shaped)), _BAD_SHAPE, pa.scalar(None, pa.string())
    )
    good = pc.filter(canonical, shaped)
    if len(good) == 0:
        return errors
    raw = _shaped_bytes(good)
    digits = raw[:, :17].astype(np.int32) - 48  # int32: a quarter of the memory traffic
    check = np.frombuffer(_CHECK_CHARS.encode(), dtype=np.uint8)[
        (digits @ np.array(_WEIGHTS, dtype=np.int32)) % 11
    ]
    bad_birth = _birth_errors(digits)
    sub = pc.if_else(pa.array(check != raw[:, 17]), _BAD_CHECK, pa.scalar(None, pa.string()))
    if bad_birth.any():  # the message quotes the date: built for those rows only
        where = np.flatnonzero(bad_birth)
        dates = pc.utf8_slice_codeunits(pc.take(good, pa.array(where)), 6, 14)
        birth = pc.binary_join_element_wise(_BAD_DATE, dates, "").to_numpy(zero_copy_only=False)
        messages = np.asarray(sub.to_numpy(zero_copy_only=False), dtype=object)
        messages[where] = birth
        sub = pa.array(messages, pa.string())
    return pc.replace_with_mask(errors, shaped, sub.cast(pa.string()))


def id_columns(column: pa.Array) -> IdColumns:
    """Canonical valid numbers (null otherwise), errors and masked forms of a column of IDs.

    The first array still holds raw numbers: hash it (:func:`pseudonym_sql`) before storing.
    """
    text = column.cast(pa.string())
    canonical = pc.utf8_upper(pc.utf8_trim_whitespace(text))
    errors = _errors(canonical)
    ok = pc.and_(pc.is_null(errors), pc.fill_null(pc.not_equal(canonical, ""), False))
    valid = pc.if_else(ok, canonical, pa.scalar(None, pa.string()))
    trimmed = pc.utf8_trim_whitespace(text)
    long = pc.greater(pc.utf8_length(trimmed), 6)
    masked = pc.if_else(long, pc.utf8_replace_slice(trimmed, 6, 1 << 30, "*" * 12), trimmed)
    return valid, errors, masked


def pseudonymise_column(column: pa.Array, key: str) -> IdColumns:
    """Pseudonyms (``P`` + 20 hex), errors and masked forms for a string column of ID numbers."""
    valid, errors, masked = id_columns(column)
    digest = _hmac_hex20(key)
    pseudonyms = [None if v is None else "P" + digest(v.encode()) for v in valid.to_pylist()]
    return pa.array(pseudonyms, pa.string()), errors, masked
