"""Phone-number normalisation as DuckDB SQL: the vectorised twin of :func:`fanzha.core.phone.parse`.

:func:`install` defines macros on a connection; :func:`phone_key_sql` and :func:`key_ok_sql`
return expressions that use them. The rules are those of :mod:`fanzha.core.phone`:

* ASCII text is cleaned of separators and parsed entirely in SQL;
* text with any non-ASCII character (full-width digits, ideographic spaces, other scripts) is
  rare and is passed to the Python reference implementation through a UDF, so that Unicode
  normalisation (NFKC) behaves exactly as in Python;
* an integer (a Parquet column of keys) is accepted when it is a plausible E.164 key, that is
  when ``parse(display(key)) == key`` (:func:`key_is_plausible` is the Python reference).

A test checks that SQL and Python agree on a broad corpus of valid and invalid inputs.
"""

from __future__ import annotations

import contextlib

import duckdb

from fanzha.core import phone

__all__ = ["install", "key_is_plausible", "key_ok_sql", "phone_key_sql"]

# Python's ``\s`` on ASCII text plus the other separators of core.phone._SEPARATORS.
_SEPARATORS = r"[\t\n\x0b\x0c\r\x1c-\x1f \-().\x{a0}/]"
_MOBILE = "1[3-9][0-9]{9}"
_SERVICE = "9[56][0-9]{3,6}|[48]00[0-9]{7}|1[0-9]{2,4}"
_LANDLINE = "(10|2[0-9])[0-9]{7,8}|[3-9][0-9]{2}[0-9]{7,8}"
_INTERNATIONAL = "[1-9][0-9]{6,14}"
_UDF = "fanzha_phone_parse"

_MACROS = (
    # a national number (without 86); trunk: a leading 0 is the trunk prefix of a landline
    f"""CREATE OR REPLACE TEMP MACRO fz_phone_domestic(d, trunk) AS CASE
        WHEN regexp_full_match(d, '{_MOBILE}') OR regexp_full_match(d, '{_SERVICE}')
            THEN CAST('86' || d AS BIGINT)
        WHEN trunk AND starts_with(d, '0') AND regexp_full_match(d[2:], '{_LANDLINE}')
            THEN CAST('86' || d[2:] AS BIGINT)
        WHEN NOT trunk AND regexp_full_match(d, '{_LANDLINE}') THEN CAST('86' || d AS BIGINT)
    END""",
    f"""CREATE OR REPLACE TEMP MACRO fz_phone_intl(d) AS CASE
        WHEN NOT regexp_full_match(d, '[0-9]+') THEN NULL
        WHEN starts_with(d, '86') THEN fz_phone_domestic(d[3:], false)
        WHEN regexp_full_match(d, '{_INTERNATIONAL}') THEN CAST(d AS BIGINT)
    END""",
    f"""CREATE OR REPLACE TEMP MACRO fz_phone_clean(c) AS CASE
        WHEN c = '' THEN NULL
        WHEN starts_with(c, '+') THEN fz_phone_intl(c[2:])
        WHEN starts_with(c, '00') THEN fz_phone_intl(c[3:])
        WHEN NOT regexp_full_match(c, '[0-9]+') THEN NULL
        WHEN length(c) = 13 AND starts_with(c, '86') AND regexp_full_match(c[3:], '{_MOBILE}')
            THEN CAST(c AS BIGINT)
        ELSE fz_phone_domestic(c, true)
    END""",
    f"""CREATE OR REPLACE TEMP MACRO fz_phone(s) AS CASE
        WHEN strlen(s) = length(s)
            THEN fz_phone_clean(regexp_replace(s, '{_SEPARATORS}', '', 'g'))
        ELSE {_UDF}(s)
    END""",
    """CREATE OR REPLACE TEMP MACRO fz_phone_key_ok(k) AS CASE
        WHEN k BETWEEN 8613000000000 AND 8619999999999 THEN true
        WHEN k IS NULL OR k <= 0 THEN false
        WHEN starts_with(CAST(k AS VARCHAR), '86')
            THEN fz_phone_domestic(CAST(k AS VARCHAR)[3:], false) IS NOT NULL
        ELSE length(CAST(k AS VARCHAR)) BETWEEN 7 AND 15
    END""",
)


def _parse_or_none(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        return phone.parse(text)
    except ValueError:
        return None


def key_is_plausible(key: int) -> bool:
    """Python reference for integer keys: the key survives ``parse(display(key))``."""
    try:
        return key > 0 and phone.parse(phone.display(key)) == key
    except (ValueError, IndexError):
        return False


def install(con: duckdb.DuckDBPyConnection) -> None:
    """Define the phone macros (and the Unicode fallback UDF) on ``con``; idempotent."""
    with contextlib.suppress(duckdb.CatalogException):  # already installed on this connection
        con.create_function(  # type: ignore[call-overload]
            _UDF,
            _parse_or_none,
            ["VARCHAR"],
            "BIGINT",
            null_handling="special",
            side_effects=False,
        )
    for macro in _MACROS:
        con.execute(macro)


def phone_key_sql(expr: str) -> str:
    """SQL for the BIGINT key of a VARCHAR expression (NULL when not a phone number)."""
    return f"fz_phone({expr})"


def key_ok_sql(expr: str) -> str:
    """SQL that is true when a BIGINT expression is a plausible phone key."""
    return f"fz_phone_key_ok({expr})"
