"""Rules particular to one kind: value ranges, indicator values, the lead's phone-or-ID rule.

Both functions take the :class:`~fanzha.ingest.normalise.Query` being built; checks refer to
the layer-1 values as ``"v__<stored column>"``.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fanzha.ingest.normalise import Query

__all__ = ["extra_checks", "special_values"]


def special_values(q: Query) -> None:
    """Values that depend on other columns (indicator values per kind, defaults)."""
    if q.kind.name != "indicators":
        return
    kind = q.values["kind"]
    raw = q.text("value")
    if q.types["value"] == "int":
        phone = 'CASE WHEN fz_phone_key_ok("value") THEN CAST("value" AS BIGINT) END'
    else:
        phone = f"fz_phone({raw})"
    q.values["phone"] = f"CASE WHEN {kind} = 'phone' THEN {phone} END"
    q.values["value"] = (
        f"CASE {kind} WHEN 'phone' THEN CAST({phone} AS VARCHAR) "
        f"WHEN 'domain' THEN fz_host(trim({raw})) "
        f"WHEN 'url' THEN nullif(lower(trim({raw})), '') "
        f"WHEN 'account' THEN nullif(regexp_replace({raw}, '\\s', '', 'g'), '') "
        f"ELSE nullif(trim({raw}), '') END"
    )
    q.checks.append(
        (
            "value",
            "NOT fz_blank(" + raw + ') AND "v__kind" IS NOT NULL AND "v__value" IS NULL',
            f'{q.param("value" + chr(9) + "not a valid ")} || "v__kind"',
        )
    )
    if "confidence" in q.types:
        given = q.values["confidence"]
        q.values["confidence"] = f"CASE WHEN {q.blank('confidence')} THEN 1.0 ELSE {given} END"
    else:
        q.values["confidence"] = "1.0"


def extra_checks(q: Query) -> None:
    """Range and consistency checks on the values."""
    this_year = dt.date.today().year
    ranges = {
        "duration_s": ("< 0", "duration must be ≥ 0 seconds"),
        "amount": ("<= 0", "amount must be > 0"),
        "confidence": ("NOT BETWEEN 0 AND 1", "confidence must be between 0 and 1"),
        "birth_year": (f"NOT BETWEEN 1900 AND {this_year}", "birth year out of range"),
    }
    for column, (condition, message) in ranges.items():
        if column in q.values and column in q.types:
            q.reject(f'"v__{column}" {condition}', column, message)
    if "valid_from" in q.types and "valid_to" in q.types:
        q.reject('"v__valid_to" < "v__valid_from"', "valid_to", "valid_to is before valid_from")
    if q.kind.name == "leads":
        blank = [q.blank(n) for n in ("phone", "id_number") if n in q.types]
        condition = " AND ".join(blank) or "true"
        q.reject(condition, "phone", "a lead needs a phone number or an ID number")
