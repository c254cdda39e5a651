"""Small helpers to write the detection SQL once, in DuckDB's dialect, safely.

Values from a rules file enter SQL only through :func:`num`, :func:`text` and :func:`texts`,
which render numeric and quoted string literals (never raw input). The statements are
transpiled to Spark SQL by SQLGlot (:mod:`fanzha.detection.engines`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from fanzha.core.phone import VIRTUAL_PREFIXES

# A phone key is E.164 digits as an integer; these expressions classify it in SQL.
INTERNATIONAL = "(substr(CAST({col} AS VARCHAR), 1, 2) <> '86')"
_VIRTUAL_KEYS = ", ".join(f"86{p}" for p in sorted(VIRTUAL_PREFIXES))  # core.phone's ranges
VIRTUAL = (
    f"(CAST(floor({{col}} / 100000000) AS BIGINT) IN ({_VIRTUAL_KEYS}) "
    "AND {col} BETWEEN 8610000000000 AND 8619999999999)"
)


def num(value: float) -> str:
    """A numeric literal."""
    if isinstance(value, bool) or not math.isfinite(float(value)):
        raise ValueError(f"not a finite number: {value!r}")
    if isinstance(value, int):
        return str(value)
    return repr(float(value))


def text(value: str) -> str:
    """A quoted string literal."""
    return "'" + str(value).replace("'", "''") + "'"


def texts(values: Iterable[str]) -> str:
    """A parenthesised list of string literals for ``IN``; ``(NULL)`` when empty."""
    items = [text(v) for v in values]
    return "(" + ", ".join(items) + ")" if items else "(NULL)"


def unusual_range(col: str) -> str:
    """True when the number is international or in a virtual-operator range."""
    return f"({INTERNATIONAL.format(col=col)} OR {VIRTUAL.format(col=col)})"


def capped(weight: float, per_minute: float, max_weight: float | None, seconds: str) -> str:
    """``weight + per_minute * minutes`` capped at ``max_weight``."""
    expr = f"({num(weight)} + {num(per_minute)} * {seconds} / 60.0)"
    return f"least({num(max_weight)}, {expr})" if max_weight is not None else expr


def valid_at(alias: str, time_col: str) -> str:
    """An indicator row (``alias``) is valid at ``time_col``."""
    return (
        f"({alias}.valid_from IS NULL OR {alias}.valid_from <= {time_col}) AND "
        f"({alias}.valid_to IS NULL OR {time_col} <= {alias}.valid_to)"
    )
