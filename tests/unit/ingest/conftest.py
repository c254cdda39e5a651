"""Fixtures for ingestion tests: a fresh store, an ingest helper, synthetic ID numbers."""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from fanzha.core.idcard import check_char
from fanzha.ingest import IngestReport, ingest_files
from fanzha.store.event_store import EventStore

KEY = "test-pseudonym-key"
Ingest = Callable[..., IngestReport]


def make_id(n: int, birth: str = "19800101") -> str:
    """A synthetic, checksum-valid ID number with the fictional region code 990101."""
    first17 = f"990101{birth}{n % 1000:03d}"
    return first17 + check_char(first17)


def write_csv(
    path: Path, header: Sequence[str], rows: Sequence[Sequence[object]], encoding: str = "utf-8"
) -> Path:
    """Write a CSV file (``encoding`` e.g. ``gbk`` or ``utf-8-sig``)."""
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture
def store(tmp_path: Path) -> EventStore:
    return EventStore(tmp_path / "data")


@pytest.fixture
def ingest(store: EventStore) -> Ingest:
    """``ingest(kind, *paths, check=False)`` into the test store."""

    def run(kind: str, *paths: Path, check: bool = False) -> IngestReport:
        return ingest_files(kind, list(paths), store, pseudonym_key=KEY, check=check)

    return run


def assert_invariant(report: IngestReport) -> None:
    """Rows read = accepted + quarantined, per file."""
    for f in report.files:
        assert f.rows_read == f.accepted + f.quarantined, f


def quarantine_rows(report: IngestReport, index: int = 0) -> list[dict[str, str]]:
    path = report.files[index].quarantine_file
    if path is None:
        return []
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))
