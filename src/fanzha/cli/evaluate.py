"""``fanzha evaluate`` and ``fanzha sweep``: warnings measured against ground truth."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import typer
from rich.table import Table
from sqlalchemy import select

from fanzha.cli.common import DatabaseOption, DataDirOption, console, settings_with
from fanzha.detection.rules import load_rules
from fanzha.detection.service import load_text_scorer
from fanzha.detection.victim.desk import DeskLabel, label_counts, train_from_desk
from fanzha.detection.victim.model import VictimRiskModel
from fanzha.errors import ConfigError
from fanzha.evaluation.experiment import residents_by_phone
from fanzha.evaluation.experiment import sweep as run_sweep
from fanzha.evaluation.metrics import WarningFact, evaluate
from fanzha.evaluation.report import figures_table, overall_table, print_evaluation
from fanzha.evaluation.truth import load_truth
from fanzha.evaluation.victim_training import train_on_city
from fanzha.settings import Settings
from fanzha.sim import SimConfig
from fanzha.store.database import make_engine, session_factory
from fanzha.store.event_store import EventStore
from fanzha.workflow.outcome.labels import desk_labels, victim_label
from fanzha.workflow.tier.service import (
    calls_repeated,
    escalated_to_one_to_one,
    held_below_gate,
)
from fanzha.workflow.warning.models import EarlyWarning


def evaluate_command(
    truth: Path = typer.Option(..., "--truth", help="simulator output folder (ground_truth/)"),
    json_out: Path | None = typer.Option(None, "--json", help="also write the figures as JSON"),
    data_dir: Path | None = DataDirOption,
    database_url: str | None = DatabaseOption,
) -> None:
    """Measure the warnings in the workflow store against the simulator's ground truth."""
    settings = settings_with(data_dir, database_url)
    resident_of = residents_by_phone(EventStore(settings.data_dir))
    result = evaluate(load_truth(truth), stored_warnings(settings), resident_of)
    print_evaluation(result, console)
    write_json(result, json_out)


def stored_warnings(settings: Settings) -> list[WarningFact]:
    """Every warning in the workflow store, as evaluation facts."""
    db = make_engine(settings.effective_database_url)
    with session_factory(db)() as session:
        escalated = escalated_to_one_to_one(session)
        held = held_below_gate(session)
        retried = calls_repeated(session)
        rows = session.execute(
            select(
                EarlyWarning.id,
                EarlyWarning.resident_id,
                EarlyWarning.warned_at,
                EarlyWarning.last_signal_at,
                EarlyWarning.level,
                EarlyWarning.fraud_type,
                EarlyWarning.tier,
                EarlyWarning.reached_at,
                EarlyWarning.victim_score,
            )
        ).all()
    db.dispose()
    return [
        WarningFact(
            r.resident_id,
            r.warned_at,
            r.last_signal_at,
            r.level,
            r.fraud_type,
            tier=r.tier,
            reached_at=r.reached_at,
            victim_score=r.victim_score,
            escalated=r.tier == "one_to_one" and r.id in escalated,
            held=r.id in held,  # ever held, as the backtest counts it (held_ever)
            retried=r.id in retried,
        )
        for r in rows
    ]


def sweep_command(
    residents: int = typer.Option(100_000, help="residents of the simulated city"),
    days: int = typer.Option(7, help="days simulated"),
    seed: int = typer.Option(1, help="random seed"),
    fraud_multiplier: float = typer.Option(1.0, help="more victims for tighter estimates"),
    work: Path = typer.Option(Path("var/sweep"), help="scratch folder for the runs"),
    json_out: Path | None = typer.Option(None, "--json", help="also write the figures as JSON"),
    rules_file: Path | None = typer.Option(None, "--rules", help="rules file"),
    number_model: bool = typer.Option(
        True, help="train the fraud-number model on the blacklist and use its suspects"
    ),
) -> None:
    """Blacklist coverage 10/30/60 % and a run without upstream leads, on the same city."""
    settings = settings_with()
    base = SimConfig(residents=residents, days=days, seed=seed, fraud_multiplier=fraud_multiplier)
    runs = run_sweep(
        base,
        work,
        load_rules(rules_file),
        pseudonym_key=settings.pseudonym_key,
        number_model=number_model,
    )
    console.print(figures_table("覆盖率对比 sweep", {k: v["overall"] for k, v in runs.items()}))
    for name, run in runs.items():
        console.print(overall_table(name, run["overall"]))
    write_json(runs, json_out)


def train_victim_model_command(
    out: Path = typer.Option(..., "--out", help="model file to write (a card is written beside)"),
    truth: Path | None = typer.Option(
        None, "--truth", help="simulator output folder (ground_truth/): labels from it"
    ),
    from_desk: bool = typer.Option(
        False, "--from-desk", help="labels from the desk's recorded outcomes instead"
    ),
    since: dt.datetime | None = typer.Option(
        None, "--since", help="with --from-desk: outcomes recorded at or after this date"
    ),
    rules_file: Path | None = typer.Option(None, "--rules", help="rules file"),
    text_model: Path | None = typer.Option(None, help="trained text model; default keywords"),
    seed: int = typer.Option(0, help="random seed"),
    data_dir: Path | None = DataDirOption,
    database_url: str | None = DatabaseOption,
) -> None:
    """Train the victim-risk model: on a simulated city's ground truth (``--truth``) or on
    the desk's own outcomes (``--from-desk``), features from the data dir's event store.

    Point FANZHA_VICTIM_MODEL_FILE at the file written; docs/tiers.md has the protocol.
    """
    if (truth is None) == (not from_desk):
        raise ConfigError("give exactly one of --truth SIM_DIR and --from-desk")
    settings = settings_with(data_dir, database_url)
    if truth is not None:
        model = _train_on_truth(settings, truth, rules_file, text_model, seed)
    else:
        model = _train_from_desk(settings, since, seed)
    model.save(out)
    card, _ = model.write_card(out)
    console.print(f"card {card}; use it: FANZHA_VICTIM_MODEL_FILE={out}")


def _train_on_truth(
    settings: Settings, truth: Path, rules_file: Path | None, text_model: Path | None, seed: int
) -> VictimRiskModel:
    with console.status("detecting, replaying checkpoints and training …"):
        run = train_on_city(
            EventStore(settings.data_dir),
            truth,
            load_rules(rules_file or settings.rules_file),
            load_text_scorer(text_model),
            seed=seed,
        )
    m = run.model.meta_.metrics
    console.print(
        f"{run.model.version}: {run.checkpoints:,} checkpoints of {run.warnings:,} warnings, "
        f"{run.engaged:,} engaged; out-of-fold ROC-AUC {m['roc_auc']:.3f}, F1 {m['f1']:.3f} "
        f"at threshold {m['threshold']:.2f}"
    )
    return run.model


def _train_from_desk(settings: Settings, since: dt.datetime | None, seed: int) -> VictimRiskModel:
    db = make_engine(settings.effective_database_url)
    with session_factory(db)() as session:
        labels = desk_labels(session, since)
    db.dispose()
    _print_label_counts(labels)
    con = EventStore(settings.data_dir).connect()
    try:
        with console.status("features at each warning's issue time and training …"):
            run = train_from_desk(con, labels, since=since, seed=seed)
    finally:
        con.close()
    m = run.model.meta_.metrics
    console.print(
        f"{run.model.version}: {run.source}; out-of-fold ROC-AUC {m['roc_auc']:.3f}, "
        f"F1 {m['f1']:.3f} at threshold {m['threshold']:.2f}"
    )
    return run.model


def _print_label_counts(labels: list[DeskLabel]) -> None:
    table = Table(title="反馈标签 desk labels (warnings per outcome)")
    for column in ("outcome", "label", "warnings"):
        table.add_column(column)
    names = {None: "unusable", 0: "not engaged", 1: "engaged"}
    for code, n in label_counts(labels).items():
        table.add_row(code, names[victim_label(code)], f"{n:,}")
    console.print(table)


def write_json(result: Any, path: Path | None) -> None:
    """Write figures as UTF-8 JSON when a path is given."""
    if path is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, ensure_ascii=False, indent=2, default=str), "utf-8")
    console.print(f"figures written to {path}")


def register(app: typer.Typer) -> None:
    """Add ``fanzha evaluate``, ``fanzha sweep`` and ``fanzha train-victim-model``."""
    app.command("evaluate")(evaluate_command)
    app.command("sweep")(sweep_command)
    app.command("train-victim-model")(train_victim_model_command)
