"""``fanzha demo``: the main job end to end on the embedded default, then the desk.

Simulate a small city → ingest it → find unlisted fraud numbers → train the victim-risk
model on it → detect → hand warnings to the desk (with their response tiers, ranked by that
model) → evaluate against the ground truth → send the tiers' SMS and robot calls through
local test servers → a simulated year of publicity and its measured effect → serve the
warning desk on localhost with one login per role while the next hour is replayed through
the stream (Redis), so its warnings appear on the desk as they come; the same hour is first
scored on Spark Structured Streaming into a scratch store and checked against the stream's
scorer (when Java is installed). Everything lives under
one folder (default ``var/demo``), so the demo never touches real data.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import typer

from fanzha.cli.common import console, settings_with
from fanzha.cli.demo_steps import live_step, next_hour, outreach_step, publicity_step, spark_step
from fanzha.cli.detect import print_result, store_warnings
from fanzha.cli.history import add_demo_history
from fanzha.cli.ingest import ingest_options, progress_bar
from fanzha.detection.keyword_scorer import KeywordScorer
from fanzha.detection.pipeline import run_detection
from fanzha.detection.rules import load_rules
from fanzha.errors import EvaluationError
from fanzha.evaluation.experiment import discover_numbers, facts_of, residents_by_phone
from fanzha.evaluation.metrics import evaluate
from fanzha.evaluation.report import print_evaluation
from fanzha.evaluation.truth import load_truth
from fanzha.evaluation.victim_training import train_on_city
from fanzha.ingest import ingest_directory
from fanzha.settings import Settings, get_settings
from fanzha.sim import SimConfig, simulate
from fanzha.store.event_store import EventStore


def demo(
    folder: Path = typer.Option(Path("var/demo"), "--dir", help="folder for the demo's data"),
    residents: int = typer.Option(20_000, help="residents of the simulated city"),
    days: int = typer.Option(3, help="days simulated"),
    seed: int = typer.Option(1, help="random seed"),
    fraud_multiplier: float = typer.Option(
        10.0, help="more fraud than the calibrated city, so a small demo has victims to find"
    ),
    serve: bool = typer.Option(True, help="start the warning desk at the end"),
    port: int = typer.Option(8000, help="desk port"),
    history: bool = typer.Option(
        True, help="add simulated months of desk history so the dashboards have a past"
    ),
    history_residents: int = typer.Option(100_000, help="city size of the simulated history"),
    history_months: int = typer.Option(3, help="months of simulated history"),
    live: bool = typer.Option(
        True, help="replay the next hour through a local Redis stream (needs redis-server)"
    ),
    live_seconds: float = typer.Option(60.0, help="how long the live hour's replay takes"),
    spark: bool = typer.Option(
        True, help="also score the live hour on Spark Structured Streaming (needs Java)"
    ),
) -> None:
    """Simulate a city, ingest, detect, evaluate, then serve the desk with demo logins."""
    shutil.rmtree(folder, ignore_errors=True)
    settings = settings_with(folder / "data", f"sqlite:///{(folder / 'fanzha.db').as_posix()}")
    sim_dir = folder / "sim"
    config = SimConfig(residents=residents, days=days, seed=seed, fraud_multiplier=fraud_multiplier)
    console.rule("1/8 模拟城市 simulate")
    summary = simulate(config, sim_dir)
    console.print(f"{summary.events:,} events, {summary.would_lose} would-be victims")
    console.rule("2/8 数据接入 ingest")
    with progress_bar() as progress:
        report = ingest_directory(
            sim_dir, EventStore(settings.data_dir), progress=progress, **ingest_options(settings)
        )
    console.print(f"{report.accepted:,} rows accepted, {report.quarantined:,} quarantined")
    console.rule("3/8 发现可疑号码 discover fraud numbers (model trained on the blacklist)")
    suspected = discover_numbers(EventStore(settings.data_dir))
    console.print(f"{suspected} unlisted numbers suspected")
    settings = victim_model_step(settings, sim_dir, folder / "victim.fzm")
    console.rule("4/8 预警检测 detect")
    result = run_detection(EventStore(settings.data_dir), load_rules(), KeywordScorer())
    print_result(result)
    intake = store_warnings(settings, result)
    console.print(f"{intake.created} warnings handed to the desk")
    import_simulated_cases(settings, sim_dir / "cases.csv")
    if history:
        console.rule("模拟历史 simulated history (labelled as such on the dashboards)")
        add_demo_history(settings, residents=history_residents, months=history_months, seed=seed)
    console.rule("5/8 效果评估 evaluate (against the simulator's ground truth)")
    store = EventStore(settings.data_dir)
    figures = evaluate(load_truth(sim_dir), facts_of(result), residents_by_phone(store))
    print_evaluation(figures, console)
    console.rule("6/8 外呼 outreach: SMS and robot calls by tier (simulated gateway and robot)")
    outreach_step(settings)
    console.rule("7/8 宣传 publicity: volunteers, campaigns and their effect (simulated year)")
    publicity_step(settings, seed)
    if live or spark:
        console.rule("8/8 实时 live: the next hour through the stream")
        hour, events = next_hour(config, folder, sim_dir)
        if spark:
            spark_step(hour, folder)
        if live:
            live_step(
                settings, hour, events, seconds=live_seconds, desk_port=port if serve else None
            )
    if serve:
        start_desk(settings, port)


def victim_model_step(settings: Settings, sim_dir: Path, out: Path) -> Settings:
    """Train the victim-risk model on this city so the tiers rank by it; settings using it."""
    console.rule("受骗风险模型 victim-risk model (trained on this same city: a demonstration)")
    try:
        run = train_on_city(EventStore(settings.data_dir), sim_dir, load_rules(), KeywordScorer())
    except EvaluationError as exc:
        console.print(f"not trained ({exc}); tiers use levels and signals")
        return settings
    run.model.save(out)
    auc = run.model.meta_.metrics["roc_auc"]
    console.print(
        f"{run.checkpoints:,} checkpoints, {run.engaged:,} engaged; out-of-fold ROC-AUC "
        f"{auc:.3f} (in-sample city: not a measurement, see docs/tiers.md)"
    )
    return settings.model_copy(update={"victim_model_file": out})


def import_simulated_cases(settings: Settings, path: Path) -> None:
    """The simulated case reports into the registry (linked to residents and warnings)."""
    from fanzha.cli.cases import print_report, run_import

    if not path.is_file() or len(path.read_bytes().splitlines()) < 2:
        console.print("no simulated case reports (no victim paid a fraud account)")
        return
    print_report(run_import(settings, path))


def start_desk(settings: Settings, port: int) -> None:
    """Seed stations and demo users, route the warnings and serve the desk."""
    os.environ["FANZHA_DATA_DIR"] = str(settings.data_dir)
    os.environ["FANZHA_DATABASE_URL"] = settings.effective_database_url
    if settings.victim_model_file is not None:
        os.environ["FANZHA_VICTIM_MODEL_FILE"] = str(settings.victim_model_file)
    get_settings.cache_clear()
    from fanzha.cli.desk import serve as serve_desk

    console.rule("工作台 warning desk")
    serve_desk(host="127.0.0.1", port=port, workers=1, demo=True)


def register(app: typer.Typer) -> None:
    """Add ``fanzha demo``."""
    app.command()(demo)
