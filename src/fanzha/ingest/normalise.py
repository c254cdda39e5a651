"""The normalisation query: raw columns in, stored columns plus a rejection reason out.

:func:`build_query` writes one SQL ``SELECT`` over a raw table (as read from one file) that
returns ``_row``, the kind's :data:`~fanzha.core.schemas.STORED_COLUMNS`, ``row_key`` (a hash of
the stored columns) and ``_reason`` (``"<column>\\t<why>"`` for the first check that failed,
NULL when the row is valid). It runs in three layers: values (NULL when unreadable), reasons,
typed stored columns. Values that come from the file are always bound parameters; identifiers
come from the schema module. The expressions depend on the raw column types, so a Parquet
column of int64 phone keys or of timestamps is used as it is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from fanzha.core import fraud_types
from fanzha.core.levels import Level
from fanzha.core.schemas import STORED_COLUMNS, Column, Kind
from fanzha.ingest.kind_rules import extra_checks, special_values
from fanzha.ingest.values import enum_mapping

__all__ = ["Query", "build_query", "category", "render"]

_INTS = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER")
_FLOATS = ("FLOAT", "DOUBLE", "DECIMAL", "REAL")
Distinct = Callable[[str], list[str]]


def category(duckdb_type: str) -> str:
    """Coarse class of a DuckDB column type: str, int, float, ts, tstz, date or other."""
    t = duckdb_type.upper()
    if t == "VARCHAR":
        return "str"
    if t.startswith(_INTS) or t == "UBIGINT":
        return "int"
    if t.startswith(_FLOATS):
        return "float"
    if t == "TIMESTAMP WITH TIME ZONE":
        return "tstz"
    if t.startswith("TIMESTAMP"):
        return "ts"
    return "date" if t == "DATE" else "other"


@dataclass
class Query:
    """A normalisation query being built, with its bound parameters."""

    kind: Kind
    types: dict[str, str]  # raw column -> category
    params: dict[str, object] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)  # stored column -> SQL
    checks: list[tuple[str, str, str]] = field(default_factory=list)  # column, condition, reason

    def param(self, value: object) -> str:
        """Bind ``value`` and return its placeholder."""
        name = f"p{len(self.params)}"
        self.params[name] = value
        return f"${name}"

    def text(self, column: str) -> str:
        """The raw column as VARCHAR."""
        ref = f'"{column}"'
        return ref if self.types[column] == "str" else f"CAST({ref} AS VARCHAR)"

    def blank(self, column: str) -> str:
        """SQL true when the raw value is absent or empty."""
        if self.types[column] == "str":
            return f'fz_blank("{column}")'
        return f'"{column}" IS NULL'

    def reject(self, condition: str, column: str, message: str) -> None:
        """Add a check: when ``condition`` holds, the row is rejected with ``message``."""
        self.checks.append((column, condition, self.param(f"{column}\t{message}")))


def build_query(kind: Kind, types: dict[str, str], timezone: str, distinct: Distinct) -> Query:
    """Build the normalisation query for a raw table whose columns have DuckDB ``types``."""
    query = Query(kind, {name: category(t) for name, t in types.items()})
    query.params["tz"] = timezone
    for column in kind.columns:
        if column.name in query.types:
            _add_column(query, column, distinct)
        elif column.required:
            raise KeyError(column.name)  # readers check required columns first
    special_values(query)
    extra_checks(query)
    return query


def _add_column(q: Query, column: Column, distinct: Distinct) -> None:
    name = column.name
    if column.required:
        q.reject(q.blank(name), name, "missing value")
    handler = _HANDLERS[column.type]
    message = handler(q, column, distinct)
    stored = _stored_name(q.kind, name)
    if message and stored in q.values:
        q.reject(f'NOT {q.blank(name)} AND "v__{stored}" IS NULL', name, message)


def _stored_name(kind: Kind, column: str) -> str:
    if column == "id_number":
        return "resident_id" if kind.name == "residents" else "id_hash"
    return column


def _phone(q: Query, c: Column, _d: Distinct) -> str:
    ref, cat = f'"{c.name}"', q.types[c.name]
    if cat == "int":
        q.values[c.name] = f"CASE WHEN fz_phone_key_ok({ref}) THEN CAST({ref} AS BIGINT) END"
        return "not a plausible phone key (E.164 digits)"
    if cat == "float":
        key = f"try_cast({ref} AS BIGINT)"
        q.values[c.name] = (
            f"CASE WHEN {ref} = floor({ref}) AND fz_phone_key_ok({key}) THEN {key} END"
        )
        return "not a plausible phone key (E.164 digits)"
    q.values[c.name] = f"fz_phone({q.text(c.name)})"
    return "not a recognised phone number"


def _id_number(q: Query, c: Column, _d: Distinct) -> str:
    stored = _stored_name(q.kind, c.name)
    q.values[stored] = "__id_hash"
    q.checks.append((c.name, "__id_error IS NOT NULL", f"{q.param(c.name + chr(9))} || __id_error"))
    return ""


def _time(q: Query, c: Column, _d: Distinct) -> str:
    ref, cat = f'"{c.name}"', q.types[c.name]
    expr = {
        "ts": f"CAST({ref} AS TIMESTAMP)",
        "tstz": f"timezone($tz, {ref})",
        "date": f"CAST({ref} AS TIMESTAMP)",
    }.get(cat, f"fz_time({q.text(c.name)}, $tz)")
    q.values[c.name] = expr
    value = f'"v__{c.name}"'
    q.reject(
        f"NOT isfinite({value}) OR year({value}) NOT BETWEEN 1970 AND 2100",
        c.name,
        "time out of range",
    )
    return "not a recognised time (use YYYY-MM-DD HH:MM:SS or ISO 8601)"


def _int(q: Query, c: Column, _d: Distinct) -> str:
    ref, cat = f'"{c.name}"', q.types[c.name]
    exprs = {"int": f"try_cast({ref} AS BIGINT)", "float": f"fz_int(CAST({ref} AS VARCHAR))"}
    q.values[c.name] = exprs.get(cat, f"fz_int({q.text(c.name)})")
    return "not a whole number"


def _float(q: Query, c: Column, _d: Distinct) -> str:
    ref, cat = f'"{c.name}"', q.types[c.name]
    expr = f"CAST({ref} AS DOUBLE)" if cat in ("int", "float") else f"fz_double({q.text(c.name)})"
    q.values[c.name] = f"CASE WHEN isfinite({expr}) THEN {expr} END"
    return "not a number"


def _enum(q: Query, c: Column, _d: Distinct) -> str:
    keys, values = enum_mapping(q.kind, c.name)
    lookup = f"list_position({q.param(keys)}, lower(trim({q.text(c.name)})))"
    q.values[c.name] = f"list_extract({q.param(values)}, {lookup})"
    return "not one of " + "/".join(c.choices)


def _mapped(q: Query, c: Column, distinct: Distinct, parse: Callable[[str], object]) -> None:
    keys = distinct(c.name)
    values: list[object] = []
    for key in keys:
        try:
            values.append(parse(key))
        except ValueError:
            values.append(None)
    lookup = f"list_position({q.param(keys)}, trim({q.text(c.name)}))"
    q.values[c.name] = f"list_extract({q.param(values)}, {lookup})"


def _fraud_type(q: Query, c: Column, distinct: Distinct) -> str:
    _mapped(q, c, distinct, fraud_types.parse)
    return "unknown fraud type"


def _level(q: Query, c: Column, distinct: Distinct) -> str:
    _mapped(q, c, distinct, lambda text: int(Level.parse(text)))
    return "unknown warning level (use 紧急/高/中/低, emergency/high/medium/low or 4–1)"


def _text(q: Query, c: Column, _d: Distinct) -> str:
    q.values[c.name] = f"nullif(trim({q.text(c.name)}), '')"
    return ""


def _url(q: Query, c: Column, _d: Distinct) -> str:
    q.values[c.name] = f"nullif(trim({q.text(c.name)}), '')"
    q.values["host"] = f"fz_url_host(trim({q.text(c.name)}))"  # NULL also for whitespace
    q.reject(f'NOT {q.blank(c.name)} AND "v__host" IS NULL', c.name, "not a URL")
    return ""


def _account(q: Query, c: Column, _d: Distinct) -> str:
    q.values[c.name] = f"nullif(regexp_replace({q.text(c.name)}, '\\s', '', 'g'), '')"
    return ""


def _package(q: Query, c: Column, _d: Distinct) -> str:
    q.values[c.name] = f"nullif(trim({q.text(c.name)}), '')"
    q.reject(f"regexp_matches(trim({q.text(c.name)}), '\\s')", c.name, "not an app package name")
    return ""


_HANDLERS: dict[str, Callable[[Query, Column, Distinct], str]] = {
    "phone": _phone,
    "id_number": _id_number,
    "time": _time,
    "date": _time,
    "int": _int,
    "float": _float,
    "enum": _enum,
    "fraud_type": _fraud_type,
    "level": _level,
    "text": _text,
    "url": _url,
    "account": _account,
    "package": _package,
}


def render(q: Query, raw_table: str, ids: str = "_row") -> str:
    """The full SELECT over ``raw_table`` (a name chosen by the pipeline, not by a file).

    ``ids`` are the leading columns passed through unchanged (``_row``, or ``_file, _row``).
    """
    stored = STORED_COLUMNS[q.kind.name]
    values = ", ".join(f'{sql} AS "v__{name}"' for name, sql in q.values.items())
    order = [c.name for c in q.kind.columns]
    checks = sorted(q.checks, key=lambda c: order.index(c[0]) if c[0] in order else len(order))
    reasons = " ".join(f"WHEN {cond} THEN {reason}" for _col, cond, reason in checks)
    typed = ", ".join(
        f'try_cast("v__{n}" AS {t}) AS "{n}"' if n in q.values else f'CAST(NULL AS {t}) AS "{n}"'
        for n, t in stored
    )
    names = ", ".join(f'"{n}"' for n, _ in stored)
    layer1 = f"SELECT *, {values} FROM {raw_table}"  # noqa: S608
    layer2 = f"SELECT {ids}, {typed}, CASE {reasons} END AS _reason FROM ({layer1})"  # noqa: S608
    return f"SELECT {ids}, {names}, hash({names}) AS row_key, _reason FROM ({layer2})"  # noqa: S608
