"""`fanzha train-victim-model --from-desk` on a small simulated city with recorded outcomes."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import typer
from click.testing import Result
from typer.testing import CliRunner

from fanzha.cli import evaluate as evaluate_cli
from fanzha.detection.pipeline import run_detection
from fanzha.detection.rules import load_rules
from fanzha.detection.service import load_text_scorer
from fanzha.detection.victim.desk import issue_checkpoints
from fanzha.detection.victim.features import victim_features
from fanzha.detection.victim.service import load_victim_model, snapshots_of
from fanzha.evaluation.experiment import residents_by_phone
from fanzha.evaluation.truth import load_truth
from fanzha.ingest import ingest_directory
from fanzha.sim import SimConfig, simulate
from fanzha.sim.officers import record_desk_outcomes
from fanzha.store.database import make_engine, session_factory, transaction, upgrade
from fanzha.store.event_store import EventStore
from fanzha.workflow.warning.from_detection import take_in

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, Counter[str]]:
    """A city, its warnings in a SQLite workflow store, one simulated outcome on each."""
    root = tmp_path_factory.mktemp("victim_desk")
    simulate(SimConfig(residents=3000, days=2, seed=5, fraud_multiplier=60), root / "sim")
    store = EventStore(root / "data")
    ingest_directory(root / "sim", store, pseudonym_key="test-key")
    result = run_detection(store, load_rules(None), load_text_scorer(None))
    url = f"sqlite:///{root / 'desk.db'}"
    upgrade(url)
    db = make_engine(url)
    with transaction(session_factory(db)) as session:
        take_in(
            session,
            result.warnings,
            rules_version=result.rules_version,
            engine=result.engine,
            episode_gap=result.episode_gap,
        )
        counts = record_desk_outcomes(session, load_truth(root / "sim"), residents_by_phone(store))
    db.dispose()
    return root / "data", url, counts


def _run(*args: object) -> Result:
    app = typer.Typer()
    evaluate_cli.register(app)
    return CliRunner().invoke(app, ["train-victim-model", *map(str, args)])


def test_train_from_desk_prints_label_counts_and_writes_a_model(
    desk: tuple[Path, str, Counter[str]], tmp_path: Path
) -> None:
    data, url, counts = desk
    out = tmp_path / "desk.fzm"
    result = _run("--from-desk", "--out", out, "--data-dir", data, "--database-url", url)
    assert result.exit_code == 0, result.output
    output = " ".join(result.output.split())
    for code, n in counts.items():
        assert f"{code} " in output and f" {n:,} " in f" {output} ", (code, n)
    engaged = counts["dissuaded"] + counts["defrauded"]
    labelled = engaged + counts["self_protected"] + counts["mismatch"]
    assert f"{labelled:,} warnings, {engaged:,} engaged" in output
    model = load_victim_model(out)
    assert model is not None and model.meta_.n_train == labelled
    assert model.meta_.notes["label_source"].startswith("desk outcomes (all recorded)")
    card = out.with_name(out.name + ".card.md").read_text("utf-8")
    assert "desk outcomes" in card
    store = EventStore(data)
    detected = run_detection(store, load_rules(None), load_text_scorer(None)).warnings
    with store.connect() as con:
        scores = model.score(victim_features(con, issue_checkpoints(snapshots_of(detected))))
    assert len(scores) == len(detected) and ((scores >= 0) & (scores <= 1)).all()


def test_train_from_desk_refuses_too_few_labels(
    desk: tuple[Path, str, Counter[str]], tmp_path: Path
) -> None:
    data, url, _ = desk
    out = tmp_path / "none.fzm"
    args = ("--from-desk", "--since", "2099-01-01", "--out", out, "--data-dir", data)
    result = _run(*args, "--database-url", url)
    assert result.exit_code != 0
    assert "too few to train" in str(result.exception)
    assert not out.exists()


def test_train_victim_model_needs_exactly_one_label_source(tmp_path: Path) -> None:
    result = _run("--out", tmp_path / "m")
    assert result.exit_code != 0 and "exactly one" in str(result.exception)
