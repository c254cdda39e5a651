"""DuckDB macros of the normalisation SQL: times, numbers, URLs (phones: :mod:`.phone_sql`)."""

from __future__ import annotations

import duckdb

from fanzha.ingest import phone_sql

__all__ = ["TIME_FORMATS", "install"]

TIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y/%m/%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M",
    "%Y-%m-%dT%H:%M",
    "%Y/%m/%d",
    "%Y年%m月%d日 %H:%M:%S",
    "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日",
)
_OFFSET = (
    r"^[0-9]{4}[-/][0-9]{1,2}[-/][0-9]{1,2}[T ][0-9]{1,2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?"
    r" ?(Z|z|[+-][0-9]{2}(:?[0-9]{2})?)$"
)
_EXCEL_SERIAL = r"[0-9]{5}(\.[0-9]+)?"
# the characters of RE2's \s: space, tab, line feed, form feed, carriage return
_HAS_WHITESPACE = " OR ".join(f"contains(u, chr({c}))" for c in (32, 9, 10, 12, 13))
# an http(s) URL whose host does not end with '.' (no capture: RE2's fast matcher), and its host
_HTTP_URL = r"^[Hh][Tt][Tt][Pp][Ss]?://[^:/?#@\s]*[^:/?#@\s.](?:[:/?#]|$)"
_HTTP_HOST = r"^[Hh][Tt][Tt][Pp][Ss]?://([^:/?#@\s]+)"
# the same for a URL without '://' (no scheme): the host is the text up to the first delimiter
_BARE_URL = r"^[^:/?#@\s]*[^:/?#@\s.](?:[:/?#]|$)"
_BARE_HOST = r"^([^:/?#@\s]+)"
_HOST = r"^(?:[A-Za-z][A-Za-z0-9+.\-]*://)?(?:[^@/?#\s]*@)?([^:/?#\s@]+)"

_MACROS = (
    # a time written as text -> naive local TIMESTAMP in zone tz (NULL when unreadable)
    f"""CREATE OR REPLACE TEMP MACRO fz_time_text(s, tz) AS CASE
        WHEN regexp_matches(s, '{_OFFSET}')
            THEN timezone(tz, try_cast(replace(s, '/', '-') AS TIMESTAMPTZ))
        WHEN regexp_full_match(s, '{_EXCEL_SERIAL}')
            THEN TIMESTAMP '1899-12-30'
                 + to_milliseconds(try_cast(round(CAST(s AS DOUBLE) * 86400000) AS BIGINT))
        ELSE coalesce(try_cast(s AS TIMESTAMP), try_strptime(s, {list(TIME_FORMATS)!r}))
    END""",
    """CREATE OR REPLACE TEMP MACRO fz_time(s, tz) AS fz_time_text(trim(s), tz)""",
    """CREATE OR REPLACE TEMP MACRO fz_double(s) AS
        try_cast(regexp_replace(trim(s), '[,，¥￥元\\s]', '', 'g') AS DOUBLE)""",
    """CREATE OR REPLACE TEMP MACRO fz_int(s) AS CASE
        WHEN fz_double(s) = floor(fz_double(s)) THEN try_cast(fz_double(s) AS BIGINT)
    END""",
    f"""CREATE OR REPLACE TEMP MACRO fz_host(u) AS nullif(rtrim(lower(
        regexp_extract(u, '{_HOST}', 1)), '.'), '')""",
    # the host of a URL without whitespace (NULL when it has any): fz_host and the check for
    # whitespace in one regular expression, one pass over the text instead of two
    f"""CREATE OR REPLACE TEMP MACRO fz_url_host_re(u) AS nullif(rtrim(lower(
        regexp_extract(u, '{_HOST}\\S*$', 1)), '.'), '')""",
    # the same, faster for the common cases: an http(s) URL, or one without '://', with no
    # whitespace, no '@' and a host not ending with '.', takes two simple expressions (2.9x
    # less CPU on distinct URLs, bench/bench_url_host.py: the general one, with its optional
    # scheme and user parts, takes RE2's slow matcher); anything else is fz_url_host_re's
    # (tests/unit/ingest/test_url_host.py compares the two)
    f"""CREATE OR REPLACE TEMP MACRO fz_url_host(u) AS CASE
        WHEN {_HAS_WHITESPACE} THEN NULL
        WHEN NOT contains(u, '@') AND regexp_matches(u, '{_HTTP_URL}')
            THEN lower(regexp_extract(u, '{_HTTP_HOST}', 1))
        WHEN NOT contains(u, '@') AND NOT contains(u, '://') AND regexp_matches(u, '{_BARE_URL}')
            THEN lower(regexp_extract(u, '{_BARE_HOST}', 1))
        ELSE fz_url_host_re(u)
    END""",
    """CREATE OR REPLACE TEMP MACRO fz_blank(s) AS s IS NULL OR trim(s) = ''""",
)


def install(con: duckdb.DuckDBPyConnection) -> None:
    """Define all normalisation macros (including the phone ones) on ``con``."""
    phone_sql.install(con)
    for macro in _MACROS:
        con.execute(macro)
