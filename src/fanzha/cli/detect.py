"""``fanzha detect``: find at-risk residents and hand warnings to the desk."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import typer
from rich.table import Table

from fanzha.cli.common import DatabaseOption, DataDirOption, console, settings_with
from fanzha.core.levels import Level
from fanzha.detection.pipeline import DetectionResult, run_detection
from fanzha.detection.rules import load_rules
from fanzha.detection.service import load_text_scorer
from fanzha.errors import ConfigError
from fanzha.settings import Settings
from fanzha.store.database import make_engine, session_factory, transaction, upgrade
from fanzha.store.event_store import EventStore
from fanzha.workflow.tier.service import assign_tiers, tier_config
from fanzha.workflow.warning.from_detection import IntakeReport, take_in


def detect(
    data_dir: Path | None = DataDirOption,
    database_url: str | None = DatabaseOption,
    rules_file: Path | None = typer.Option(None, "--rules", help="rules file (default: packaged)"),
    engine: str = typer.Option("duckdb", help="duckdb (in-process) or spark (local mode)"),
    text_model: Path | None = typer.Option(None, help="trained text model; default keywords"),
    shadow: bool = typer.Option(False, help="detect and report only; write no warnings"),
) -> None:
    """Detect at-risk residents in the event store and create or raise their warnings."""
    settings = settings_with(data_dir, database_url)
    result = run_configured(settings, rules_file or settings.rules_file, engine, text_model)
    print_result(result)
    if shadow:
        console.print("[yellow]shadow run: no warnings written[/yellow]")
        return
    report = store_warnings(settings, result)
    console.print(
        f"warnings: {report.created} new, {report.raised} raised in level, "
        f"{report.refreshed} refreshed, {report.unchanged} unchanged"
    )


def run_configured(
    settings: Settings, rules_file: Path | None, engine: str, text_model: Path | None
) -> DetectionResult:
    """Run detection with the chosen rules, engine and text scorer."""
    store = EventStore(settings.data_dir)
    rules = load_rules(rules_file)
    scorer = load_text_scorer(text_model)
    if engine == "duckdb":
        return run_detection(store, rules, scorer, threads=settings.threads)
    if engine == "spark":
        from fanzha.detection.engines import SparkEngine, local_spark

        spark_engine = SparkEngine(store, local_spark(cores=settings.threads))
        return run_detection(store, rules, scorer, engine=spark_engine)
    raise ConfigError(f"unknown engine {engine!r}; use duckdb or spark")


def store_warnings(settings: Settings, result: DetectionResult) -> IntakeReport:
    """Upgrade the workflow store if needed and take the warnings in."""
    url = settings.effective_database_url
    upgrade(url)
    db = make_engine(url)
    with transaction(session_factory(db)) as session:
        report = take_in(
            session,
            result.warnings,
            rules_version=result.rules_version,
            engine=result.engine,
            episode_gap=result.episode_gap,
        )
        tiers = assign_tiers(session, tier_config(settings))
        console.print(f"tiers: {dict(sorted(tiers.by_tier.items()))} ({tiers.changed} changed)")
    db.dispose()
    return report


def print_result(result: DetectionResult) -> None:
    """Warnings by level and type, with timings."""
    levels = Counter(w.level for w in result.warnings)
    table = Table(title=f"检测结果 detection ({result.engine}, rules {result.rules_version})")
    table.add_column("级别 level")
    table.add_column("预警 warnings", justify="right")
    for level in sorted(Level, reverse=True):
        table.add_row(f"{level.zh} {level.name.lower()}", str(levels.get(level, 0)))
    table.add_row("合计 total", str(len(result.warnings)))
    console.print(table)
    timing = ", ".join(f"{k} {v:.1f} s" for k, v in result.seconds.items())
    console.print(f"texts judged: {result.texts_judged} ({result.text_scorer}); {timing}")


def register(app: typer.Typer) -> None:
    """Add ``fanzha detect``."""
    app.command()(detect)
