"""`fanzha ingest` and `fanzha load` end to end: output, exit codes, one-line errors."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from fanzha.cli.app import main

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
pytestmark = pytest.mark.integration


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def fanzha(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Callable[..., Result]:
    """Run ``fanzha ARGS --data-dir DIR`` in-process through the real entry point."""

    def run(*args: str, data_dir: Path) -> Result:
        monkeypatch.setattr(sys, "argv", ["fanzha", *args, "--data-dir", str(data_dir)])
        capsys.readouterr()
        try:
            main()
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        out, err = capsys.readouterr()
        return Result(code, out, err)

    return run


def test_ingest_cli_reports_counts_and_exits_zero(
    tmp_path: Path, fanzha: Callable[..., Result]
) -> None:
    result = fanzha("ingest", "calls", str(EXAMPLES / "calls.csv"), data_dir=tmp_path / "d")
    assert result.returncode == 0, result.stderr
    assert "read 4" in result.stdout and "new 4" in result.stdout
    again = fanzha("ingest", "calls", str(EXAMPLES / "calls.csv"), data_dir=tmp_path / "d")
    assert again.returncode == 0 and "already present 4" in again.stdout


def test_ingest_cli_fails_with_one_line_when_nothing_valid(
    tmp_path: Path, fanzha: Callable[..., Result]
) -> None:
    bad = tmp_path / "calls.csv"
    bad.write_text("caller,callee,start,duration_s\nx,y,z,w\n", encoding="utf-8")
    result = fanzha("ingest", "calls", str(bad), data_dir=tmp_path / "d")
    assert result.returncode == 1
    assert "quarantine file:" in result.stdout
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "no valid row" in errors[0]


def test_ingest_cli_fails_on_unreadable_file(tmp_path: Path, fanzha: Callable[..., Result]) -> None:
    empty = tmp_path / "calls.csv"
    empty.write_bytes(b"")
    result = fanzha("ingest", "calls", str(empty), data_dir=tmp_path / "d")
    assert result.returncode == 1 and "error: empty file" in result.stderr


def test_load_cli_imports_folder_in_order(tmp_path: Path, fanzha: Callable[..., Result]) -> None:
    folder = tmp_path / "sim"
    for example in EXAMPLES.glob("*.csv"):
        (folder / example.stem).mkdir(parents=True)
        (folder / example.stem / "part-00000.csv").write_bytes(example.read_bytes())
    result = fanzha("load", str(folder), data_dir=tmp_path / "d")
    assert result.returncode == 0, result.stderr
    kinds = [line.split()[1] for line in result.stdout.splitlines() if line.startswith("✓")]
    assert kinds[:4] == ["jurisdictions", "residents", "indicators", "leads"]
