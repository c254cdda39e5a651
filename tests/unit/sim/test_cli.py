"""The ``fanzha simulate`` command."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from fanzha.cli.simulate import register

app = typer.Typer()


@app.callback()
def _root() -> None:
    """A group, as in ``fanzha.cli.app`` (only this module's command is registered)."""


register(app)


def test_simulate_command_writes_csv_city(tmp_path: Path) -> None:
    args = ["simulate", "--residents", "1000", "--days", "1", "--seed", "9", "--out", str(tmp_path),
            "--format", "csv", "--start", "2026-12-01", "--blacklist-coverage", "0.5"]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["parameters"]["start"] == "2026-12-01"
    assert manifest["parameters"]["blacklist_coverage"] == 0.5
    assert (tmp_path / "calls" / "part-00000.csv").exists()
    assert "targets" in result.output


def test_simulate_command_rejects_bad_start(tmp_path: Path) -> None:
    args = ["simulate", "--residents", "1000", "--out", str(tmp_path), "--start", "soon"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code != 0
    assert not (tmp_path / "manifest.json").exists()
