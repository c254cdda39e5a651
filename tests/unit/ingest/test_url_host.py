"""``fz_url_host`` is ``fz_host`` plus the whitespace check of a URL, in one regular expression."""

from __future__ import annotations

import functools
import random

import duckdb
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from fanzha.ingest.sql_macros import install

PIECES = [
    "http://",
    "https://",
    "HTTPS://",
    "ftp+x://",
    "1x://",
    "user:pw@",
    "@",
    "Example.COM",
    "a.b.c.",
    "例子.中国",
    ":8080",
    "/path",
    "?q=1",
    "#frag",
    " ",
    "\t",
    "\n",
    "\r",
    "\x0b",
    "\x0c",
    "\u3000",
    "\xa0",
    ".",
    "x",
    "//",
    "",
]


def test_url_host_matches_host_and_whitespace_check() -> None:
    rng = random.Random(3)
    urls = ["".join(rng.choice(PIECES) for _ in range(rng.randint(0, 6))) for _ in range(5000)]
    con = duckdb.connect()
    install(con)
    con.register("u", pa.table({"url": urls}))
    rows = con.execute(
        """SELECT url, fz_host(trim(url)) AS old_host,
                  fz_host(trim(url)) IS NULL OR regexp_matches(trim(url), '\\s') AS old_bad,
                  fz_url_host(trim(url)) AS new_host
           FROM u"""
    ).fetchall()
    for url, old_host, old_bad, new_host in rows:
        assert (new_host is None) == old_bad, url
        if not old_bad:
            assert new_host == old_host, url
    assert 0 < sum(r[2] for r in rows) < len(rows)


@functools.cache
def _connection() -> duckdb.DuckDBPyConnection:
    """One connection for every example: a new one per example was most of the time."""
    con = duckdb.connect()
    install(con)
    return con


def _hosts(urls: list[str]) -> list[tuple[str, str | None, str | None]]:
    con = _connection()
    con.register("u", pa.table({"url": urls}))
    rows = con.execute(
        "SELECT url, fz_url_host(trim(url)), fz_url_host_re(trim(url)) FROM u"
    ).fetchall()
    return [(str(u), fast, slow) for u, fast, slow in rows]


def test_string_search_host_equals_the_regular_expression() -> None:
    """``fz_url_host`` (fast paths for http(s) and bare URLs) gives the general expression's host on
    every input, including the ones it hands to it (``@``, an empty host, other schemes)."""
    rng = random.Random(11)
    pieces = [*PIECES, "http:", "HtTpS:", "/", ":/", "h"]
    urls = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 7))) for _ in range(20000)]
    urls += ["http:///x", "a:b", "1ab://h", "ab-c.d+e://H.x.:9/", "x://@h", "://h", "h:"]
    rows = _hosts(urls)
    assert [(u, fast) for u, fast, _ in rows] == [(u, slow) for u, _, slow in rows]
    # both fast branches were compared, not only the fallback: http(s) URLs and bare ones
    found = [u.strip() for u, fast, _ in rows if fast is not None and "@" not in u]
    assert sum(u.lower().startswith(("http://", "https://")) for u in found) > 1000
    assert sum("://" not in u for u in found) > 1000


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.text(alphabet=st.sampled_from(list(":/?#@.+-aZ9 \t\n\r\x0b\x0c例")), max_size=14),
        min_size=1,
        max_size=60,
    )
)
def test_string_search_host_equals_the_expression_fuzzed(urls: list[str]) -> None:
    rows = _hosts(urls)
    assert [fast for _, fast, _ in rows] == [slow for _, _, slow in rows]
