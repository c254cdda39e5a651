"""Generated hostile input files for the ingest fuzz test (hypothesis draws, seeded rows)."""

from __future__ import annotations

import csv
import gzip
import io
import json
import random
from dataclasses import dataclass
from pathlib import Path

import openpyxl
from hypothesis import strategies as st

from tests.unit.ingest.conftest import make_id

CALLS = ["caller", "callee", "start", "duration_s"]
RESIDENTS = ["phone", "id_number", "birth_year", "gender", "occupation", "community"]

NASTY = [
    "",
    " ",
    "\t",
    "\u3000",
    "\x1c",
    "=1+2",
    '=HYPERLINK("http://x","y")',
    "+86 138 1234 5678",
    "-1",
    "@SUM(A1:A9)",
    "\x1b[31mred",
    "\u202eevil",
    '"',
    '""',
    'a"b',
    '"quoted"',
    "\r",
    "\n",
    "line\nbreak",
    "a,b;c|d\te",
    "\ufeff13812345678",
    "１３８１２３４５６７８",
    "😀",
    "诈骗",
    "NaN",
    "inf",
    "1e400",
    "9" * 30,
]
PHONES = ["13812345678", "13900001111", "0755-12345678", "95588", "+8613812345678", "12"]
TIMES = ["2024-05-01 10:00:00", "2024/05/01 10:00", "2024-05-01T10:00:00+08:00", "45413.5"]
TIMES += ["1900-01-01", "2024-13-45 99:00", "2024年5月1日 10:00"]


@dataclass
class Spec:
    """How one generated file is written."""

    kind: str
    fmt: str  # csv, jsonl, xlsx
    rows: int
    seed: int
    encoding: str = "utf-8"
    delimiter: str = ","
    newline: str = "\n"
    quote_all: bool = False
    gzip: bool = False
    truncate: float | None = None  # cut the file at this fraction of its bytes
    stray_quotes: int = 0
    mixed_newlines: bool = False
    huge: bool = False
    nul: bool = False  # NUL bytes in some cells: a file that looks binary is refused whole

    @property
    def clean(self) -> bool:
        """Whether every generated row must come back as one row read."""
        broken = self.truncate is not None or self.stray_quotes or self.mixed_newlines
        return not broken and self.encoding in ("utf-8", "utf-8-sig", "gb18030", "utf-16")


@st.composite
def specs(draw: st.DrawFn, max_rows: int = 400) -> Spec:
    """One file to generate."""
    fmt = draw(st.sampled_from(["csv"] * 6 + ["jsonl", "xlsx"]))
    spec = Spec(
        kind=draw(st.sampled_from(["calls", "calls", "residents"])),
        fmt=fmt,
        rows=draw(st.integers(0, max_rows if fmt != "xlsx" else 60)),
        seed=draw(st.integers(0, 2**32 - 1)),
        encoding=draw(st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16", "latin-1"])),
        delimiter=draw(st.sampled_from([",", ",", "\t", ";", "|"])),
        newline=draw(st.sampled_from(["\n", "\r\n", "\r"])),
        quote_all=draw(st.booleans()),
        gzip=draw(st.integers(0, 9)) == 0,
        truncate=draw(st.one_of(st.none(), st.none(), st.floats(0.0, 1.0))),
        stray_quotes=draw(st.sampled_from([0, 0, 0, 1, 3])),
        mixed_newlines=draw(st.integers(0, 5)) == 0,
        huge=draw(st.integers(0, 15)) == 0,
        nul=draw(st.integers(0, 7)) == 0,
    )
    return spec


def _cell(rng: random.Random, column: str, n: int, spec: Spec) -> str:
    roll = rng.random()
    if roll < 0.2:
        if spec.huge and rng.random() < 0.02:
            return rng.choice(["x", "9", "诈"]) * rng.choice([70_000, 300_000])
        if spec.nul and rng.random() < 0.05:
            return rng.choice(["\x00", "a\x00b"])
        return rng.choice(NASTY)
    if column in ("caller", "callee", "phone"):
        return rng.choice(PHONES) if roll < 0.5 else f"13{rng.randrange(10**9):09d}"
    if column in ("start",):
        return rng.choice(TIMES) if roll < 0.4 else f"2024-05-01 {n % 24:02d}:{n % 60:02d}:00"
    if column == "id_number":
        return make_id(rng.randrange(1000)) if roll < 0.9 else "110101199003071234"
    if column == "birth_year":
        return str(rng.randrange(1920, 2030))
    if column == "gender":
        return rng.choice(["M", "F", "男", "女", "x"])
    if column == "occupation":
        return rng.choice(["worker", "retiree", "student", "?"])
    if column == "community":
        return rng.choice(["CM00001", "CM00002", ""])
    return str(rng.randrange(-5, 4000))  # duration_s


def rows_of(spec: Spec) -> tuple[list[str], list[list[str]]]:
    """The header and the rows of a spec (seeded, so a failing example is reproducible)."""
    rng = random.Random(spec.seed)
    header = list(CALLS if spec.kind == "calls" else RESIDENTS)
    rows = [[_cell(rng, c, n, spec) for c in header] for n in range(spec.rows)]
    for _ in range(min(len(rows), rng.choice([0, 0, 2]))):  # exact duplicates
        rows.append(list(rng.choice(rows)))
    return header, rows


def _csv_bytes(spec: Spec, header: list[str], rows: list[list[str]]) -> bytes:
    buffer = io.StringIO(newline="")
    quoting = csv.QUOTE_ALL if spec.quote_all else csv.QUOTE_MINIMAL
    writer = csv.writer(
        buffer, delimiter=spec.delimiter, lineterminator=spec.newline, quoting=quoting
    )
    writer.writerow(header)
    writer.writerows(rows)
    text = buffer.getvalue()
    rng = random.Random(spec.seed + 1)
    if spec.mixed_newlines:
        parts = text.split(spec.newline)
        text = "".join(p + rng.choice(["\n", "\r\n", "\r"]) for p in parts)
    for _ in range(spec.stray_quotes):
        at = rng.randrange(len(text) + 1)
        text = text[:at] + '"' + text[at:]
    return text.encode(spec.encoding, errors="replace")


def _xlsx_bytes(header: list[str], rows: list[list[str]]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(header)
    for row in rows:  # XLSX cannot hold C0 control characters; a formula stays a formula
        sheet.append(["".join(ch for ch in c if ch >= " " or ch in "\t\n\r") for c in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def write_file(spec: Spec, folder: Path) -> tuple[Path, int]:
    """Write the file; return it and how many rows a reader must count when it is clean."""
    header, rows = rows_of(spec)
    if spec.fmt == "csv":
        data = _csv_bytes(spec, header, rows)
        # csv.writer leaves a lone CR or LF that is not in its line terminator unquoted
        split = not spec.quote_all and any("\r" in c or "\n" in c for r in rows for c in r)
        expected = -1 if split else sum(1 for r in rows if any(c.strip() for c in r))
    elif spec.fmt == "jsonl":
        lines = [json.dumps(dict(zip(header, r, strict=True)), ensure_ascii=False) for r in rows]
        data = ("\n".join(lines) + "\n").encode("utf-8")
        expected = len(rows)
    else:
        data = _xlsx_bytes(header, rows)
        expected = -1  # formulas and blanks: no exact count from the generator
    if spec.truncate is not None:
        data = data[: int(len(data) * spec.truncate)]
    suffix = f".{spec.fmt}" + (".gz" if spec.gzip and spec.fmt == "csv" else "")
    if spec.gzip and spec.fmt == "csv":
        data = gzip.compress(data)
    path = folder / f"{spec.kind}{suffix}"
    path.write_bytes(data)
    return path, expected
