"""Phone numbers: parse any common written form into one 64-bit integer key.

The key is the E.164 digit string read as an integer (mainland mobile ``138 1234 5678`` is
``8613812345678``). Integers join 1.8x faster than strings in DuckDB; the display form is
derived from the key when it is shown (:func:`display`), never stored.

Accepted inputs: mainland mobiles with or without ``+86``/``0086``/``86``; landlines with their
area code (``010-12345678``, ``0755 1234 5678``); service numbers (``95588``, ``96110``,
``400 123 4567``, ``10086``, ``110``); international numbers with ``+`` or ``00``.
The same rules exist as a DuckDB SQL expression in :mod:`fanzha.ingest.phone_sql`; a test
checks that both agree.
"""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum

VIRTUAL_PREFIXES = frozenset({"162", "165", "167", "170", "171"})
_SEPARATORS = re.compile(r"[\s\-().\u00a0/]")
_MOBILE = re.compile(r"1[3-9]\d{9}")
_SERVICE = re.compile(r"(?:9[56]\d{3,6}|[48]00\d{7}|1\d{2,4})")
_LANDLINE = re.compile(r"(?:10|2\d)\d{7,8}|[3-9]\d{2}\d{7,8}")
_INTERNATIONAL = re.compile(r"[1-9]\d{6,14}")


class PhoneKind(StrEnum):
    """What kind of number a key is."""

    MOBILE = "mobile"
    VIRTUAL = "virtual"  # virtual-operator ranges, favoured by fraud operations
    LANDLINE = "landline"
    SERVICE = "service"  # 95xxx/96xxx/400/800 and short numbers
    INTERNATIONAL = "international"


class PhoneError(ValueError):
    """The text is not a recognisable phone number."""


def parse(text: str) -> int:
    """Return the integer key of a written phone number, or raise :class:`PhoneError`."""
    cleaned = _SEPARATORS.sub("", unicodedata.normalize("NFKC", str(text)))
    if not cleaned:
        raise PhoneError("empty phone number")
    if cleaned.startswith("+"):
        return _parse_international(cleaned[1:])
    if cleaned.startswith("00"):
        return _parse_international(cleaned[2:])
    if not cleaned.isdigit():
        raise PhoneError(f"phone number has non-digit characters: {text!r}")
    if len(cleaned) == 13 and cleaned.startswith("86") and _MOBILE.fullmatch(cleaned[2:]):
        return int(cleaned)
    return _parse_domestic(cleaned, text)


def _parse_international(digits: str) -> int:
    if not digits.isdigit():
        raise PhoneError(f"international number has non-digit characters: +{digits}")
    if digits.startswith("86"):
        return _parse_domestic(digits[2:], "+" + digits, trunk_prefix=False)
    if not _INTERNATIONAL.fullmatch(digits):
        raise PhoneError(f"international number has a bad length or country code: +{digits}")
    return int(digits)


def _parse_domestic(digits: str, original: str, trunk_prefix: bool = True) -> int:
    if _MOBILE.fullmatch(digits) or _SERVICE.fullmatch(digits):
        return int("86" + digits)
    national = digits[1:] if trunk_prefix and digits.startswith("0") else digits
    if (digits.startswith("0") or not trunk_prefix) and _LANDLINE.fullmatch(national):
        return int("86" + national)
    raise PhoneError(f"not a recognised phone number: {original!r}")


def kind(key: int) -> PhoneKind:
    """Classify an integer key."""
    digits = str(key)
    if not digits.startswith("86"):
        return PhoneKind.INTERNATIONAL
    national = digits[2:]
    if len(national) == 11 and national.startswith("1"):
        return PhoneKind.VIRTUAL if national[:3] in VIRTUAL_PREFIXES else PhoneKind.MOBILE
    if _SERVICE.fullmatch(national):
        return PhoneKind.SERVICE
    return PhoneKind.LANDLINE


def display(key: int) -> str:
    """The form people read: ``13812345678``, ``010-12345678``, ``95588``, ``+14155550123``."""
    digits = str(key)
    k = kind(key)
    if k is PhoneKind.INTERNATIONAL or len(digits) < 5:
        return "+" + digits
    national = digits[2:]
    if k is PhoneKind.LANDLINE:
        area = 2 if national[:2] == "10" or national[0] == "2" else 3
        return f"0{national[:area]}-{national[area:]}"
    return national


def mask(key: int) -> str:
    """A masked display form for lists: ``138****5678``."""
    shown = display(key)
    if len(shown) <= 6:
        return shown
    return shown[:3] + "*" * (len(shown) - 7) + shown[-4:]
