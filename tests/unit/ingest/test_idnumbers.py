"""Bulk ID handling matches core.idcard exactly and never lets a raw number through."""

from __future__ import annotations

import pyarrow as pa

from fanzha.core.idcard import IdNumberError, pseudonymise, validate
from fanzha.ingest.idnumbers import mask_id, mask_ids_in_text, pseudonymise_column

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
