"""``fanzha simulate-history``: months of simulated desk history in the workflow store."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer

from fanzha.cli.common import settings_with
from fanzha.errors import ConfigError
from fanzha.settings import Settings
from fanzha.sim.history import HistoryConfig, HistorySummary, simulate_history
from fanzha.store.database import make_engine, session_factory, upgrade
from fanzha.workflow.clock import local_now
from fanzha.workflow.station import service as stations


def register(app: typer.Typer) -> None:
    """Add the ``simulate-history`` command to the app."""
    app.command("simulate-history")(simulate_history_command)


def simulate_history_command(
    residents: Annotated[int, typer.Option(help="residents of the simulated city")] = 800_000,
    months: Annotated[int, typer.Option(help="months of history before --end")] = 12,
    seed: Annotated[int, typer.Option(help="same seed and arguments, same history")] = 1,
    db: Annotated[
        str | None, typer.Option("--db", help="workflow store URL (default: the configured one)")
    ] = None,
    end: Annotated[
        str | None, typer.Option(help="end of the history, YYYY-MM-DD[THH:MM] (default: now)")
    ] = None,
    replace: Annotated[
        bool, typer.Option(help="remove a simulated history already in the store first")
    ] = False,
) -> None:
    """Write stations, warnings, actions, outcomes and cases of a simulated past (labelled)."""
    if residents < 1000 or not 1 <= months <= 60:
        raise ConfigError("--residents must be ≥ 1000 and --months 1..60")
    settings = settings_with(database_url=db)
    url = settings.effective_database_url
    upgrade(url)
    config = HistoryConfig(
        residents=residents, months=months, seed=seed, end=_end(end, settings.timezone)
    )
    summary = simulate_history(make_engine(url), config, replace=replace)
    print_summary(summary)


def _end(text: str | None, zone: str) -> dt.datetime:
    if not text:
        return local_now(zone)
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError as exc:
        raise ConfigError("--end must be YYYY-MM-DD or YYYY-MM-DDTHH:MM", end=text) from exc


def print_summary(summary: HistorySummary) -> None:
    """One line per table written."""
    typer.echo(
        f"simulated history {summary.start:%Y-%m-%d} .. {summary.end:%Y-%m-%d}"
        f" written in {summary.seconds:.1f} s:"
    )
    for name in ("stations", "warnings", "actions", "outcomes", "cases", "accounts"):
        typer.echo(f"  {name:<10}{getattr(summary, name):>10,}")


def add_demo_history(settings: Settings, *, residents: int, months: int, seed: int) -> None:
    """The demo's simulated past: the ingested stations and communities (so each station's
    officers and the dashboards see one city), then ``months`` of history up to now."""
    from fanzha.web.demo import jurisdictions_from_store

    url = settings.effective_database_url
    upgrade(url)
    engine = make_engine(url)
    rows = jurisdictions_from_store(settings.data_dir)
    if rows:
        with session_factory(engine).begin() as session:
            stations.upsert_jurisdiction(session=session, rows=rows)
    config = HistoryConfig(
        residents=residents, months=months, seed=seed, end=local_now(settings.timezone)
    )
    print_summary(simulate_history(engine, config, replace=True))
    engine.dispose()
