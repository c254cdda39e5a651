"""``fz_url_host`` is ``fz_host`` plus the whitespace check of a URL, in one regular expression."""

from __future__ import annotations

import random

import duckdb
import pyarrow as pa

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
