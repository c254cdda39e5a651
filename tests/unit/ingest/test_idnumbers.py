"""Bulk ID handling matches core.idcard exactly and never lets a raw number through."""

from __future__ import annotations

import random

import duckdb
import pyarrow as pa
import pytest

from fanzha.core.idcard import IdNumberError, pseudonymise, validate
from fanzha.ingest.idnumbers import (
    id_columns,
    mask_id,
    mask_ids_in_text,
    pseudonym_params,
    pseudonym_sql,
    pseudonymise_column,
)

from .conftest import KEY, make_id

SAMPLES = [
    make_id(1),
    make_id(2, "20000229"),
    make_id(3).lower(),
    " " + make_id(4) + " ",
    make_id(5)[:-1] + ("0" if make_id(5)[-1] != "0" else "1"),
    "99010119990230123X",
    "99010119991301123X",
    "12345",
    "9901011980010100AB",
    "",
    None,
]


def _core(text: str | None) -> tuple[str | None, str | None]:
    if text is None or not text.strip():
        return None, None
    try:
        validate(text)
    except IdNumberError as exc:
        return None, str(exc)
    return pseudonymise(text, KEY), None


def test_pseudonymise_column_matches_core_idcard() -> None:
    pseudonyms, errors, _masked = pseudonymise_column(pa.array(SAMPLES, pa.string()), KEY)
    assert list(zip(pseudonyms.to_pylist(), errors.to_pylist(), strict=True)) == [
        _core(s) for s in SAMPLES
    ]


def test_pseudonymise_column_masks_every_value() -> None:
    _p, _e, masked = pseudonymise_column(pa.array(SAMPLES, pa.string()), KEY)
    for raw, shown in zip(SAMPLES, masked.to_pylist(), strict=True):
        if raw and len(raw.strip()) > 6:
            assert shown == raw.strip()[:6] + "*" * 12


def test_mask_ids_in_text_hides_id_like_numbers() -> None:
    text = f'{{"narrative": "ID {make_id(7)} called 13812345678"}}'
    masked = mask_ids_in_text(text)
    assert make_id(7) not in masked and "990101************" in masked
    assert "13812345678" in masked
    assert mask_id(make_id(8)) == "990101" + "*" * 12


def _random_ids(rng: random.Random, n: int) -> list[str | None]:
    values: list[str | None] = []
    for _ in range(n):
        birth = f"{rng.randint(1930, 2020)}{rng.randint(1, 12):02d}{rng.randint(1, 31):02d}"
        value = make_id(rng.randint(0, 999), birth)
        choice = rng.random()
        if choice < 0.1:
            value = value.lower()
        elif choice < 0.2:
            value = " " + value + "\t"
        elif choice < 0.25:
            value = value[:-1] + rng.choice("0123456789X")
        values.append(None if choice > 0.97 else value)
    return values


@pytest.mark.parametrize(
    "key", [KEY, "", "k" * 64, "k" * 65, "长密钥🔑" * 30, "x\0y", "".join(map(chr, range(1, 90)))]
)
def test_pseudonym_sql_matches_the_python_hmac(key: str) -> None:
    """DuckDB's pseudonyms are byte-identical to core.idcard.pseudonymise for any key."""
    values = _random_ids(random.Random(len(key)), 400) + SAMPLES
    valid, _errors, _masked = id_columns(pa.array(values, pa.string()))
    con = duckdb.connect()
    con.register("ids", pa.table({"v": valid}))
    rows = con.execute(f"SELECT {pseudonym_sql('v')} FROM ids", pseudonym_params(key)).fetchall()
    expected, _e, _m = pseudonymise_column(pa.array(values, pa.string()), key)
    assert [r[0] for r in rows] == expected.to_pylist()
    for value, got in zip(values, expected.to_pylist(), strict=True):
        assert got == (_core_with(value, key))


def _core_with(text: str | None, key: str) -> str | None:
    if text is None or not text.strip():
        return None
    try:
        validate(text)
    except IdNumberError:
        return None
    return pseudonymise(text, key)


def test_bulk_errors_match_core_idcard_on_random_numbers() -> None:
    """Every error message (birth date, checksum, shape) is core.idcard's, also when a
    column mixes impossible dates (31 February) with bad checksums."""
    values = _random_ids(random.Random(7), 3000) + SAMPLES
    _valid, errors, _masked = id_columns(pa.array(values, pa.string()))
    expected = [_core(v)[1] for v in values]
    assert errors.to_pylist() == expected
    assert sum(e is not None and "birth date" in e for e in expected) > 40
    assert sum(e is not None and "checksum" in e for e in expected) > 50
