"""Synthetic phone numbers (as E.164 integer keys) and the written forms used in CSV files.

Keys follow :mod:`fanzha.core.phone`: mainland mobile ``8613812345678``, landline
``86571xxxxxxxx``, service ``8695588``, international ``85512345678``.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from fanzha.sim.rand import I64, U64

MOBILE_BASE = 86 * 10**11
MOBILE_PREFIXES = np.array(
    [
        130,
        131,
        132,
        133,
        134,
        135,
        136,
        137,
        138,
        139,
        147,
        150,
        151,
        152,
        153,
        155,
        156,
        157,
        158,
        159,
        166,
        173,
        175,
        176,
        177,
        178,
        180,
        181,
        182,
        183,
        184,
        185,
        186,
        187,
        188,
        189,
        191,
        193,
        195,
        198,
        199,
    ],
)
VIRTUAL_PREFIXES = np.array([170, 171, 165, 167, 162])
CITY_AREA = 571  # the simulated city's area code (landlines 0571-xxxxxxxx)
FRAUD_COUNTRIES = ((855, 8), (95, 9), (63, 10), (60, 9), (66, 9), (84, 9), (852, 8), (886, 9))
FAMILY_COUNTRIES = (
    (1, 10),
    (44, 10),
    (61, 9),
    (81, 10),
    (65, 8),
    (60, 9),
    (64, 9),
    (49, 11),
    (855, 8),
    (852, 8),
)
BANK_SERVICE = (95588, 95533, 95599, 95566, 95555, 95559, 95580, 95568, 95561, 95528)
OTHER_SERVICE = (10086, 10010, 10000, 95017, 95188, 95118, 95338, 12306, 95311, 95546)
ANTI_FRAUD_HOTLINE = 8696110


def service_key(number: int) -> int:
    """Key of a service number such as 95588."""
    return int(f"86{number}")


def mobiles(rng: np.random.Generator, n: int, prefixes: I64 = MOBILE_PREFIXES) -> I64:
    """``n`` distinct random mobile keys with the given 3-digit prefixes."""
    found = np.empty(0, dtype=np.int64)
    while len(found) < n:
        draw = max(16, int((n - len(found)) * 1.05))
        pre = prefixes[rng.integers(0, len(prefixes), draw)].astype(np.int64)
        keys = MOBILE_BASE + pre * 10**8 + rng.integers(0, 10**8, draw)
        both = np.concatenate([found, keys])
        _, first = np.unique(both, return_index=True)
        found = both[np.sort(first)]
    return found[:n]


def hashed_mobiles(h: U64) -> I64:
    """Mobile keys derived from hash values (out-of-town contacts that need no registry)."""
    pre = MOBILE_PREFIXES[(h % np.uint64(len(MOBILE_PREFIXES))).astype(np.int64)]
    rest = ((h >> np.uint64(8)) % np.uint64(10**8)).astype(np.int64)
    return MOBILE_BASE + pre.astype(np.int64) * 10**8 + rest


def international(rng: np.random.Generator, n: int, countries: tuple[tuple[int, int], ...]) -> I64:
    """``n`` random international keys from (country code, national length) pairs."""
    which = rng.integers(0, len(countries), n)
    out = np.empty(n, dtype=np.int64)
    for i, (cc, length) in enumerate(countries):
        sel = which == i
        lead = 10 ** (length - 1)
        national = rng.integers(lead, 10 * lead, int(sel.sum()))
        out[sel] = cc * 10**length + national
    return out


def landlines(rng: np.random.Generator, n: int, area: int = CITY_AREA) -> I64:
    """``n`` random landline keys of one area code (8-digit local numbers)."""
    local = rng.integers(2 * 10**7, 9 * 10**7, n)
    return int(f"86{area}") * 10**8 + local


def _digits(keys: I64) -> I64:
    return np.floor(np.log10(np.maximum(keys, 1))).astype(np.int64) + 1


def display_array(
    keys: npt.NDArray[np.int64], valid: npt.NDArray[np.bool_], variant: npt.NDArray[np.float64]
) -> pa.Array:
    """Written forms of keys; ``variant`` (uniform draws) picks the less common spellings."""
    nd = _digits(keys)
    lead2 = keys // 10 ** np.maximum(nd - 2, 0)
    intl = lead2 != 86
    national = np.where(intl, keys, keys - 86 * 10 ** np.maximum(nd - 2, 0))
    nat = pa.array(national).cast(pa.string())
    mobile = ~intl & (nd == 13) & (national // 10**10 == 1)
    hotline = ~intl & (nd == 12) & np.isin(national // 10**7, (400, 800))
    landline = ~intl & ~mobile & ~hotline & (nd > 10)
    spaced = pc.binary_join_element_wise(
        "+86 ",
        pc.utf8_slice_codeunits(nat, 0, 3),
        " ",
        pc.utf8_slice_codeunits(nat, 3, 7),
        " ",
        pc.utf8_slice_codeunits(nat, 7, 11),
        "",
    )
    area2 = _landline(nat, 2)
    area3 = _landline(nat, 3)
    plus = pc.binary_join_element_wise("+", nat, "")
    zeros = pc.binary_join_element_wise("00", nat, "")
    out = pc.if_else(pa.array(intl & (variant < 0.2)), zeros, plus)
    out = pc.if_else(pa.array(landline & (nd == 12)), area2, out)
    out = pc.if_else(pa.array(landline & (nd == 13)), area3, out)
    out = pc.if_else(pa.array(~intl & ~landline), nat, out)
    out = pc.if_else(pa.array(mobile & (variant < 0.08)), spaced, out)
    return pc.if_else(pa.array(valid), out, pa.nulls(len(keys), pa.string()))


def _landline(nat: pa.Array, area: int) -> pa.Array:
    return pc.binary_join_element_wise(
        "0", pc.utf8_slice_codeunits(nat, 0, area), "-", pc.utf8_slice_codeunits(nat, area), ""
    )
