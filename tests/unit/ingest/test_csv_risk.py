"""The vectorised risk check of the DuckDB CSV path declines exactly what the regex does."""

from __future__ import annotations

import random
import re

import pytest

from fanzha.ingest.readers.csvduck import _risky


def _old(delimiter: str) -> re.Pattern[bytes]:
    patterns = [b"\n\n", b"\r\n\r\n", b"\x00", b' "', b'" ']
    if delimiter != "\t":
        patterns += [b'\t"', b'"\t']
    # and a lone CR (not before an LF): mixed line ends are read differently by the two
    return re.compile(b"|".join([*(re.escape(p) for p in patterns), rb"\r(?!\n)"]))


@pytest.mark.parametrize("delimiter", [",", "\t", ";"])
def test_risk_check_matches_the_regex(delimiter: str) -> None:
    rng = random.Random(7)
    alphabet = b'ab,;"\t \r\n\x00\xe4'
    old = _old(delimiter)
    for _ in range(20_000):
        text = bytes(rng.choice(alphabet) for _ in range(rng.randint(0, 10)))
        assert _risky(text, delimiter != "\t") == bool(old.search(text)), text
