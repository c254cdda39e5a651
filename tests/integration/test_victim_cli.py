"""`fanzha train-victim-model` on a small simulated city: a model file tiers can load."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from fanzha.cli import evaluate as evaluate_cli
from fanzha.detection.victim.service import load_victim_model
from fanzha.ingest import ingest_directory
from fanzha.sim import SimConfig, simulate
from fanzha.store.event_store import EventStore

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("victim_city")
    simulate(SimConfig(residents=3000, days=2, seed=5, fraud_multiplier=60), root / "sim")
    ingest_directory(root / "sim", EventStore(root / "data"), pseudonym_key="test-key")
    return root / "sim", root / "data"


def _app() -> typer.Typer:
    app = typer.Typer()
    evaluate_cli.register(app)
    return app


def test_train_victim_model_writes_a_model_tiers_load(
    city: tuple[Path, Path], tmp_path: Path
) -> None:
    sim, data = city
    out = tmp_path / "victim.fzm"
    args = ["train-victim-model", "--truth", sim, "--out", out, "--data-dir", data]
    result = CliRunner().invoke(_app(), [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "engaged" in result.output and "FANZHA_VICTIM_MODEL_FILE" in result.output
    model = load_victim_model(out)
    assert model is not None and model.version == model.meta_.version
    metrics = model.meta_.metrics
    assert metrics["roc_auc"] > 0.8, metrics  # engaged residents behave unlike cold contacts
    assert out.with_name(out.name + ".card.md").exists()


def test_train_victim_model_refuses_a_city_without_ground_truth(
    city: tuple[Path, Path], tmp_path: Path
) -> None:
    _, data = city
    args = ["train-victim-model", "--truth", tmp_path, "--out", tmp_path / "m", "--data-dir", data]
    result = CliRunner().invoke(_app(), [str(a) for a in args])
    assert result.exit_code != 0
    assert "ground truth" in str(result.exception) or "ground truth" in result.output
    assert not (tmp_path / "m").exists()
