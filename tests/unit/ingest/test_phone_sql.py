"""The SQL phone parser agrees with core.phone.parse on valid, invalid and generated inputs."""

from __future__ import annotations

import random

import duckdb
import pyarrow as pa
import pytest

from fanzha.core import phone
from fanzha.ingest import phone_sql

CORPUS = [
    "13812345678",
    "138 1234 5678",
    "138-1234-5678",
    "(138)1234.5678",
    "+8613812345678",
    "+86 138 1234 5678",
    "008613812345678",
    "8613812345678",
    "86 13812345678",
    "17012345678",
    "16512345678",
    "12345678901",
    "1381234567",
    "138123456789",
    "010-12345678",
    "01012345678",
    "010 1234 567",
    "0755-12345678",
    "0755 1234 567",
    "021-1234567",
    "0371-1234567",
    "0000000000",
    "0123456789",
    "+86 10 12345678",
    "+86 0755 12345678",
    "+86010 12345678",
    "95588",
    "96110",
    "955",
    "9558812",
    "95588123",
    "400 123 4567",
    "4001234567",
    "800-123-4567",
    "40012345",
    "10086",
    "110",
    "12",
    "12345",
    "123456",
    "+14155550123",
    "0014155550123",
    "+1 (415) 555-0123",
    "+123456",
    "+1234567",
    "+1234567890123456",
    "+012345678",
    "00",
    "+",
    "+86",
    "86",
    "",
    "  ",
    "abc",
    "138abcd5678",
    "１３８１２３４５６７８",
    "＋８６ １３８ １２３４ ５６７８",
    "138\u30001234\u30005678",
    "١٣٨١٢٣٤٥٦٧٨",
    "+١٢٣٤٥٦٧٨",
    "13812345678\u00a0",
    "13812345678\t",
    "\x0b13812345678",
    "13812345678/",
    "++8613812345678",
    "+86+13812345678",
    "0086 0755 12345678",
    "0086755 12345678",
    "85212345678",
    "+85212345678",
    "+886212345678",
    "0213812345678",
    "8601012345678",
]


def _sql_keys(values: list[str]) -> list[int | None]:
    con = duckdb.connect()
    phone_sql.install(con)
    t = pa.table({"i": list(range(len(values))), "s": values})  # noqa: F841 (scanned by DuckDB)
    rows = con.execute(f"SELECT {phone_sql.phone_key_sql('s')} FROM t ORDER BY i").fetchall()
    return [r[0] for r in rows]


def _python_key(text: str) -> int | None:
    try:
        return phone.parse(text)
    except ValueError:
        return None


def _generated(n: int, seed: int = 11) -> list[str]:
    rng = random.Random(seed)
    alphabet = "0123456789" * 6 + " -()+./x\u00a0\uff11\t"
    prefixes = ["", "+", "00", "86", "+86", "0", "1", "13", "95", "400", "010", "0755"]
    return [
        rng.choice(prefixes) + "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 16)))
        for _ in range(n)
    ]


def test_phone_sql_agrees_with_python_on_corpus() -> None:
    assert _sql_keys(CORPUS) == [_python_key(t) for t in CORPUS]


def test_phone_sql_agrees_with_python_on_generated_inputs() -> None:
    values = _generated(5000)
    expected = [_python_key(t) for t in values]
    assert _sql_keys(values) == expected
    assert sum(k is not None for k in expected) > 500  # the generator also makes valid numbers


@pytest.mark.parametrize(
    "key",
    [
        8613812345678,
        861012345678,
        8675512345678,
        8695588,
        86110,
        864001234567,
        14155550123,
        8612345678901,
        861381234567,
        86,
        860123456,
        123456,
        1234567890123456,
        0,
        -8613812345678,
    ],
)
def test_phone_key_ok_agrees_with_display_round_trip(key: int) -> None:
    con = duckdb.connect()
    phone_sql.install(con)
    sql_ok = con.execute(f"SELECT {phone_sql.key_ok_sql('$k')}", {"k": key}).fetchone()
    assert sql_ok is not None and sql_ok[0] == phone_sql.key_is_plausible(key)


def test_phone_key_ok_agrees_on_generated_keys() -> None:
    rng = random.Random(5)
    keys = [int("86" + str(rng.randint(10**3, 10**11))) for _ in range(2000)]
    keys += [rng.randint(10**5, 10**16) for _ in range(2000)]
    con = duckdb.connect()
    phone_sql.install(con)
    k = pa.table({"i": list(range(len(keys))), "key": pa.array(keys, pa.int64())})  # noqa: F841
    got = [r[0] for r in con.execute("SELECT fz_phone_key_ok(key) FROM k ORDER BY i").fetchall()]
    assert got == [phone_sql.key_is_plausible(k) for k in keys]
