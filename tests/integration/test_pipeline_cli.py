"""The main job through the command line: simulate → load → detect → evaluate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fanzha.cli.app import app

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def run(*args: str) -> str:
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_pipeline_cli_end_to_end(tmp_path: Path) -> None:
    sim, data = tmp_path / "sim", tmp_path / "data"
    db = f"sqlite:///{tmp_path / 'wf.db'}"
    run(
        "simulate",
        "--residents",
        "5000",
        "--days",
        "3",
        "--seed",
        "9",
        "--fraud-multiplier",
        "40",
        "--out",
        str(sim),
    )
    run("load", str(sim), "--data-dir", str(data))
    first = run("detect", "--data-dir", str(data), "--database-url", db)
    assert "new" in first
    assert "tiers: {" in first and "one_to_one" in first  # every warning gets a tier
    second = run("detect", "--data-dir", str(data), "--database-url", db)
    assert "warnings: 0 new, 0 raised in level, 0 refreshed" in second  # re-run adds nothing
    figures = tmp_path / "eval.json"
    run(
        "evaluate",
        "--truth",
        str(sim),
        "--data-dir",
        str(data),
        "--database-url",
        db,
        "--json",
        str(figures),
    )
    result = json.loads(figures.read_text(encoding="utf-8"))
    overall, tiers = result["overall"], result["tiers"]
    assert sum(t["warnings"] for t in tiers["by_tier"].values()) == overall["warnings"]
    assert tiers["desk_per_day_per_100k"] is not None
    assert tiers["would_be_victims"] == overall["would_be_victims"]
    assert tiers["victims_reached_before_loss"] <= overall["warned_before_loss"]
    assert overall["warnings"] > 0
    assert overall["would_be_victims"] > 0
    # a loose floor: the small city is noisy, but a broken pipeline finds nobody in time
    assert overall["would_be_victims"] >= 5
    assert overall["recall"] >= 0.6
    assert overall["precision"] >= 0.6


def test_pipeline_cli_shadow_run_writes_nothing(tmp_path: Path) -> None:
    sim, data = tmp_path / "sim", tmp_path / "data"
    run("simulate", "--residents", "500", "--days", "1", "--seed", "2", "--out", str(sim))
    run("load", str(sim), "--data-dir", str(data))
    output = run(
        "detect",
        "--data-dir",
        str(data),
        "--database-url",
        f"sqlite:///{tmp_path / 'wf.db'}",
        "--shadow",
    )
    assert "shadow run" in output
    assert not (tmp_path / "wf.db").exists()


def test_pipeline_cli_bad_rules_file_is_one_clear_error(tmp_path: Path) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text('version = "x"\n[scoring]\nhalf_life_hours = -1\n', encoding="utf-8")
    result = CliRunner().invoke(
        app, ["detect", "--data-dir", str(tmp_path), "--rules", str(rules), "--shadow"]
    )
    assert result.exit_code != 0
    assert "rules" in str(result.exception) or "rules" in result.output
