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

__all__ = ["IdColumns", "mask_id", "mask_ids_in_text", "pseudonymise_column"]

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


def _birth_errors(digits: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
    def number(a: int, b: int) -> npt.NDArray[np.int64]:
        weights = 10 ** np.arange(b - a - 1, -1, -1)
        return np.asarray(digits[:, a:b] @ weights, dtype=np.int64)

    year, month, day = number(6, 10), number(10, 12), number(12, 14)
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    month_ok = (month >= 1) & (month <= 12)
    limit = _DAYS[np.clip(month - 1, 0, 11)] + ((month == 2) & leap)
    valid: npt.NDArray[np.bool_] = month_ok & (day >= 1) & (day <= limit) & (year >= 1)
    return np.logical_not(valid)


def _hmac_hex20(key: str) -> Callable[[bytes], str]:
    """HMAC-SHA256 with the key pads hashed once: 2x faster than ``hmac.new`` per value."""
    padded = key.encode().ljust(64, b"\0") if len(key.encode()) <= 64 else b""
    if not padded:
        padded = hashlib.sha256(key.encode()).digest().ljust(64, b"\0")
    inner0 = hashlib.sha256(bytes(b ^ 0x36 for b in padded))
    outer0 = hashlib.sha256(bytes(b ^ 0x5C for b in padded))

    def digest(value: bytes) -> str:
        inner = inner0.copy()
        inner.update(value)
        outer = outer0.copy()
        outer.update(inner.digest())
        return outer.hexdigest()[:20]

    return digest


def _errors(canonical: pa.Array) -> pa.Array:
    """Error message per canonical value (null when valid or absent)."""
    present = pc.fill_null(pc.not_equal(canonical, ""), False)
    shaped = pc.fill_null(pc.match_substring_regex(canonical, _SHAPE), False)
    errors = pc.if_else(
        pc.and_(present, pc.invert(shaped)), _BAD_SHAPE, pa.scalar(None, pa.string())
    )
    index = np.flatnonzero(shaped.to_numpy(zero_copy_only=False))
    if len(index) == 0:
        return errors
    good = pc.take(canonical, pa.array(index))
    raw = np.frombuffer("".join(good.to_pylist()).encode("ascii"), dtype=np.uint8)
    digits = raw.reshape(len(index), 18).astype(np.int64) - 48
    check = np.frombuffer(_CHECK_CHARS.encode(), dtype=np.uint8)[
        (digits[:, :17] @ np.array(_WEIGHTS)) % 11
    ]
    birth = pc.binary_join_element_wise(_BAD_DATE, pc.utf8_slice_codeunits(good, 6, 14), "")
    sub = pc.if_else(
        pa.array(_birth_errors(digits)),
        birth,
        pc.if_else(pa.array(check != raw.reshape(len(index), 18)[:, 17]), _BAD_CHECK, None),
    )
    out = np.array(errors.to_pylist(), dtype=object)
    out[index] = np.array(sub.to_pylist(), dtype=object)
    return pa.array(out, pa.string())


def pseudonymise_column(column: pa.Array, key: str) -> IdColumns:
    """Pseudonyms (``P`` + 20 hex), errors and masked forms for a string column of ID numbers."""
    text = column.cast(pa.string())
    canonical = pc.utf8_upper(pc.utf8_trim_whitespace(text))
    errors = _errors(canonical)
    digest = _hmac_hex20(key)
    ok = pc.and_(pc.is_null(errors), pc.fill_null(pc.not_equal(canonical, ""), False))
    pseudonyms = [
        "P" + digest(v.encode()) if good else None
        for v, good in zip(canonical.to_pylist(), ok.to_pylist(), strict=True)
    ]
    trimmed = pc.utf8_trim_whitespace(text)
    long = pc.greater(pc.utf8_length(trimmed), 6)
    masked = pc.if_else(long, pc.utf8_replace_slice(trimmed, 6, 1 << 30, "*" * 12), trimmed)
    return pa.array(pseudonyms, pa.string()), errors, masked
