"""Mainland 18-digit resident ID numbers: checksum validation and keyed pseudonyms.

Raw ID numbers are never stored: ingestion replaces them by :func:`pseudonymise`, an
HMAC-SHA256 under the centre's secret key, so the same person gets the same pseudonym in
every file while the number itself cannot be recovered from the store.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
_SHAPE = re.compile(r"\d{17}[\dX]")


class IdNumberError(ValueError):
    """The text is not a valid 18-digit ID number."""


def check_char(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character for the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def validate(text: str) -> str:
    """Return the canonical (upper-case, stripped) ID number or raise :class:`IdNumberError`."""
    value = str(text).strip().upper()
    if not _SHAPE.fullmatch(value):
        raise IdNumberError("ID number must be 17 digits and a digit or X")
    try:
        dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError as exc:
        raise IdNumberError(f"ID number has an impossible birth date {value[6:14]}") from exc
    if check_char(value[:17]) != value[17]:
        raise IdNumberError("ID number checksum does not match")
    return value


def pseudonymise(id_number: str, key: str) -> str:
    """A stable, keyed pseudonym (``P`` + 20 hex digits) for a validated ID number."""
    digest = hmac.new(key.encode(), validate(id_number).encode(), hashlib.sha256).hexdigest()
    return "P" + digest[:20]
