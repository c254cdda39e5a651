"""Every example file in docs/examples ingests with zero quarantined rows."""

from __future__ import annotations

from pathlib import Path

import pytest

from fanzha.core.schemas import KINDS
from fanzha.ingest import LOAD_ORDER, ingest_directory

from .conftest import KEY, Ingest

EXAMPLES = Path(__file__).resolve().parents[3] / "docs" / "examples"


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_example_file_ingests_without_quarantine(kind: str, ingest: Ingest) -> None:
    report = ingest(kind, EXAMPLES / f"{kind}.csv", check=True)
    f = report.files[0]
    assert f.error is None and f.rows_read > 0
    assert f.quarantined == 0, f.reasons
    assert f.extra_columns == ()


def test_ingest_directory_loads_simulator_layout(tmp_path: Path, ingest: Ingest) -> None:
    folder = tmp_path / "sim"
    for kind in KINDS:
        (folder / kind).mkdir(parents=True)
        (folder / kind / "part-00000.csv").write_bytes((EXAMPLES / f"{kind}.csv").read_bytes())
    (folder / "manifest.json").write_text("{}")
    (folder / "ground_truth").mkdir()
    (folder / "ground_truth" / "targets.csv").write_text("x\n1\n")
    from fanzha.store.event_store import EventStore

    report = ingest_directory(folder, EventStore(tmp_path / "data"), pseudonym_key=KEY)
    assert [f.kind for f in report.files] == list(LOAD_ORDER)
    assert report.quarantined == 0
