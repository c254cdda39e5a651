"""Validate events sent over the API exactly as file ingest validates rows.

Each event is a JSON object with ``kind`` (an event kind: calls, sms, url_visits, app_events,
transfers, leads), ``source_id`` (the sender's own id, for idempotent resend) and the input
columns of that kind as in ``docs/data-formats.md`` (phones in any written form, local times,
ID numbers pseudonymised on arrival). Rows of one kind go through the same normalisation
query as a file's rows (:func:`fanzha.ingest.normalise.build_query`); a rejected event gets
its reasons in the answer and a line in the quarantine, like a rejected row of a file.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from fanzha.core.schemas import KINDS, STORED_COLUMNS
from fanzha.ingest.normalise import build_query, render
from fanzha.ingest.quarantine import QuarantineRow, write_quarantine
from fanzha.ingest.readers.base import ROW
from fanzha.ingest.sql_macros import install
from fanzha.ingest.stage import _with_ids
from fanzha.stream.events import STREAM_KINDS, Event

MAX_SOURCE_ID = 128


@dataclass
class Verdict:
    """What intake says of one event of a request."""

    index: int
    source_id: str | None
    status: str = "rejected"  # valid (then queued or duplicate) or rejected
    reasons: list[str] = field(default_factory=list)

    def answer(self) -> dict[str, Any]:
        """The event's entry in the API answer."""
        found: dict[str, Any] = {"index": self.index, "source_id": self.source_id}
        found["status"] = self.status
        if self.reasons:
            found["reasons"] = self.reasons
        return found


@dataclass
class Checked:
    """A request's events: the valid ones in stored form, and a verdict for every one."""

    events: list[Event]
    verdicts: list[Verdict]
    quarantined: list[tuple[str, QuarantineRow]] = field(default_factory=list)


def _envelope(index: int, item: object, seen: set[str]) -> tuple[Verdict, str | None]:
    """Check kind and source id; the kind when both are usable."""
    if not isinstance(item, dict):
        return Verdict(index, None, reasons=["an event must be a JSON object"]), None
    source = item.get("source_id")
    verdict = Verdict(index, source if isinstance(source, str) else None)
    kind = item.get("kind")
    if kind not in STREAM_KINDS:
        verdict.reasons.append(f"kind: must be one of {', '.join(STREAM_KINDS)}")
    if not isinstance(source, str) or not 0 < len(source) <= MAX_SOURCE_ID:
        verdict.reasons.append(f"source_id: a text of 1-{MAX_SOURCE_ID} characters is required")
    elif source in seen:
        verdict.reasons.append("source_id: sent twice in this request")
    else:
        seen.add(source)
    return verdict, (str(kind) if not verdict.reasons else None)


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool | dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def check_events(items: list[Any], *, pseudonym_key: str, timezone: str) -> Checked:
    """Validate and normalise a request's events (valid ones in request order)."""
    seen: set[str] = set()
    verdicts: list[Verdict] = []
    by_kind: dict[str, list[int]] = defaultdict(list)
    for index, item in enumerate(items):
        verdict, kind = _envelope(index, item, seen)
        verdicts.append(verdict)
        if kind is not None:
            by_kind[kind].append(index)
    checked = Checked([], verdicts)
    stored: dict[int, Event] = {}
    con = duckdb.connect(config={"threads": 1})
    try:
        con.execute("SET TimeZone = 'UTC'")
        install(con)
        for kind, indexes in by_kind.items():
            rows = [items[i] for i in indexes]
            stored |= _normalise(con, kind, indexes, rows, pseudonym_key, timezone, checked)
    finally:
        con.close()
    checked.events = [stored[i] for i in sorted(stored)]
    return checked


def _raw_table(kind: str, indexes: list[int], rows: list[dict[str, Any]], key: str) -> pa.Table:
    columns: dict[str, list[Any]] = {ROW: [i + 1 for i in indexes]}
    for column in KINDS[kind].columns:
        columns[column.name] = [_text(r.get(column.name)) for r in rows]
    batch = pa.RecordBatch.from_pydict(
        {n: pa.array(v, pa.int64() if n == ROW else pa.string()) for n, v in columns.items()}
    )
    return pa.Table.from_batches([_with_ids(batch, key)])


def _normalise(
    con: duckdb.DuckDBPyConnection,
    kind: str,
    indexes: list[int],
    rows: list[dict[str, Any]],
    key: str,
    timezone: str,
    checked: Checked,
) -> dict[int, Event]:
    con.register("api_raw", _raw_table(kind, indexes, rows, key))
    try:
        types = {n: t for n, t, *_ in con.execute("DESCRIBE api_raw").fetchall() if n != ROW}

        def distinct(column: str) -> list[str]:
            found = con.execute(
                f'SELECT DISTINCT trim(CAST("{column}" AS VARCHAR)) AS v FROM api_raw '  # noqa: S608
                "WHERE v IS NOT NULL AND v <> ''"
            ).fetchall()
            return [str(r[0]) for r in found]

        query = build_query(KINDS[kind], types, timezone, distinct)
        sql = render(query, "api_raw")
        used = set(re.findall(r"\$(\w+)", sql))
        params = {k: v for k, v in query.params.items() if k in used}
        result = con.execute(sql, params).fetchall()
    finally:
        con.unregister("api_raw")
    return _collect(kind, result, rows, indexes, checked)


def _collect(
    kind: str,
    result: list[tuple[Any, ...]],
    rows: list[dict[str, Any]],
    indexes: list[int],
    checked: Checked,
) -> dict[int, Event]:
    names = [n for n, _ in STORED_COLUMNS[kind]]
    position = {i + 1: n for n, i in enumerate(indexes)}
    stored: dict[int, Event] = {}
    for record in result:
        index = int(record[0]) - 1
        reason = record[-1]
        verdict = checked.verdicts[index]
        if reason is not None:
            column, _, why = str(reason).partition("\t")
            verdict.reasons.append(f"{column}: {why}" if why else column)
            raw = json.dumps(rows[position[index + 1]], ensure_ascii=False, default=str)
            checked.quarantined.append((kind, (index + 1, column, why or column, raw)))
            continue
        event: Event = dict(zip(names, record[1 : 1 + len(names)], strict=True))
        event["kind"], event["source_id"] = kind, verdict.source_id
        verdict.status = "valid"
        stored[index] = event
    return stored


def quarantine(checked: Checked, data_dir: Path, now: dt.datetime) -> list[Path]:
    """Write the rejected events to the quarantine, one file per kind, as file ingest does."""
    stamp = now.strftime("%Y%m%dT%H%M%S%fZ")
    by_kind: dict[str, list[QuarantineRow]] = defaultdict(list)
    for kind, row in checked.quarantined:
        by_kind[kind].append(row)
    paths = []
    for kind, rows in by_kind.items():
        path, _reasons = write_quarantine(data_dir, kind, Path(f"api-{kind}"), stamp, rows)
        if path is not None:
            paths.append(path)
    return paths
