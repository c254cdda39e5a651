"""Fuzz ``fanzha cases import`` input (the importer the command runs): wrong encodings,
truncated files, broken quoting, huge fields, control characters. Every file either imports
with rows read = accepted + quarantined, or is refused with one clear error; nothing else is
raised, and importing the same file again adds no case, no account and no audit record."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from fanzha.errors import IngestError
from fanzha.store.database import make_engine, session_factory, upgrade
from fanzha.workflow.audit.models import AuditRecord
from fanzha.workflow.case import importer
from fanzha.workflow.case.importer import ImportReport, import_cases
from fanzha.workflow.case.models import Case, CaseAccount
from fanzha.workflow.case.residents import ResidentIndex
from fanzha.workflow.case.schemas import CaseClocks
from tests.fault.killing import CASE_HEADER, case_rows

NOW = dt.datetime(2026, 11, 30, 12, 0)
SERIAL = itertools.count()
ENCODINGS = ("utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16", "latin-1", "cp1252", "shift_jis")
CONTROL = "".join(map(chr, [*range(0, 9), 11, 12, *range(14, 32), 127])) + "\u2028\ufeff"
CONTROL_NO_NUL = CONTROL[1:]  # a NUL byte makes the whole file "binary": refused, no rows read


# the encodings a Chinese case file really comes in: most such files import, row by row
CHINESE_ENCODINGS = ("utf-8", "utf-8-sig", "gbk", "gb18030")


@st.composite
def mutated_file(
    draw: st.DrawFn,
    rows: tuple[int, int] = (1, 60),
    mutations: int = 6,
    encodings: tuple[str, ...] = ENCODINGS,
    first_line: int = 0,  # 1: the header is never mutated
    truncate: bool = True,  # one file in four cut at a random byte
    control: str = CONTROL,
) -> bytes:
    lines = case_rows(draw(st.integers(*rows)), seed=draw(st.integers(0, 999)))
    lines = [CASE_HEADER, *lines]
    for _ in range(draw(st.integers(0, mutations))):
        i = draw(st.integers(first_line, len(lines) - 1))
        cut = draw(st.integers(0, len(lines[i])))
        what = draw(st.sampled_from(["quote", "control", "huge", "drop", "junk", "comma"]))
        if what == "quote":
            lines[i] = lines[i][:cut] + '"' + lines[i][cut:]
        elif what == "control":
            lines[i] = (
                lines[i][:cut] + draw(st.text(control, min_size=1, max_size=3)) + lines[i][cut:]
            )
        elif what == "huge":
            lines[i] = lines[i][:cut] + "长" * draw(st.integers(10_000, 200_000)) + lines[i][cut:]
        elif what == "drop":
            lines[i] = lines[i][:cut]
        elif what == "comma":
            lines[i] = lines[i][:cut] + "," + lines[i][cut:]
        else:
            junk = draw(st.text(max_size=20))
            if "\x00" not in control:
                junk = junk.replace("\x00", "")
            lines[i] = lines[i][:cut] + junk + lines[i][cut:]
    data = "\n".join(lines).encode(draw(st.sampled_from(encodings)), errors="replace")
    if truncate and draw(st.integers(0, 3)) == 0:  # cut, possibly inside a character
        data = data[: draw(st.integers(0, len(data)))]
    return data


@pytest.fixture(scope="module")
def factory(tmp_path_factory: pytest.TempPathFactory) -> sessionmaker[Session]:
    url = f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'workflow.db'}"
    upgrade(url)
    return session_factory(make_engine(url))


def _import(path: Path, factory: sessionmaker[Session], quarantine: Path) -> ImportReport:
    return import_cases(
        path,
        factory=factory,
        residents=ResidentIndex(None, threads=1),
        clocks=CaseClocks(30, 48),
        now=NOW,
        quarantine_dir=quarantine,
        pseudonym_key="fuzz-key",
    )


def _counts(factory: sessionmaker[Session]) -> tuple[int, int, int]:
    with factory() as s:
        return tuple(  # type: ignore[return-value]
            s.scalar(select(func.count()).select_from(t)) for t in (Case, CaseAccount, AuditRecord)
        )


FUZZ = settings(
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
# the large files: the encodings Chinese files come in, the header kept, the file whole
# (truncation is the small files' part) and no NUL byte, so most import row by row
LARGE = mutated_file(
    rows=(200, 350),  # about two rows per case: 400–700 rows a file
    mutations=12,
    encodings=CHINESE_ENCODINGS,
    first_line=1,
    truncate=False,
    control=CONTROL_NO_NUL,
)


def test_cases_import_fuzzed_files_count_every_row_and_reimport_adds_nothing(
    factory: sessionmaker[Session], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """120 small hostile files and 24 large ones; the tally of the run is counted inside the
    test, so it holds on any pytest-xdist worker. Nobody else writes to this store, so the
    importer's pause for other SQLite writers between chunks is left out."""
    monkeypatch.setattr(importer, "SQLITE_PAUSE_S", 0.0)
    tally = {"files": 0, "rows": 0, "refused": 0}

    @settings(FUZZ, max_examples=120)
    @given(data=mutated_file())
    def small(data: bytes) -> None:
        _check_file(data, factory, tmp_path, tally)

    @settings(FUZZ, max_examples=24)
    @given(data=LARGE)
    def large(data: bytes) -> None:
        _check_file(data, factory, tmp_path, tally)

    small()
    large()
    print(f"cases fuzz: {tally}")
    assert tally["files"] >= 144 and tally["rows"] >= 10_000, tally  # 17k seen (2026-12-07)


def _check_file(
    data: bytes, factory: sessionmaker[Session], tmp_path: Path, tally: dict[str, int]
) -> None:
    path = tmp_path / f"fuzz-{next(SERIAL)}.csv"
    path.write_bytes(data)
    tally["files"] += 1
    try:
        first = _import(path, factory, tmp_path)
    except IngestError as exc:  # NothingValidError too: a clear, one-line refusal
        assert exc.message
        tally["refused"] += 1
        return
    tally["rows"] += first.rows_read
    assert first.rows_read == first.accepted + first.quarantined
    before = _counts(factory)
    again = _import(path, factory, tmp_path)
    assert again.rows_read == first.rows_read and again.accepted == first.accepted
    assert again.cases_new == 0 and again.cases_updated == 0
    assert _counts(factory) == before
