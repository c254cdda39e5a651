"""`fanzha retention purge|status`: purge personal data past the retention period."""

from __future__ import annotations

import datetime as dt
import getpass
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.orm import Session, sessionmaker

from fanzha.cli.common import DatabaseOption, DataDirOption, settings_with
from fanzha.errors import ConfigError
from fanzha.settings import Settings
from fanzha.store.database import make_engine, session_factory, upgrade
from fanzha.store.event_store import EventStore
from fanzha.workflow.clock import local_now

retention_app = typer.Typer(help="Retention of personal data.", no_args_is_help=True)

# Order in which counts are printed; anything else follows alphabetically.
_ORDER = (
    "warnings",
    "actions",
    "outcomes",
    "restrictions",
    "appeals",
    "cases",
    "case_accounts",
    "partitions",
    "event_files",
    "quarantine_files",
    "bytes",
    "lead_rows",
    "tokens_released",
    "warnings_held",
    "cases_held",
)


def register(app: typer.Typer) -> None:
    """Add the retention commands to the app."""
    app.add_typer(retention_app, name="retention")


def _as_of(text: str | None, settings: Settings) -> dt.datetime:
    if text is None:
        return local_now(settings.timezone)
    try:
        return dt.datetime.combine(dt.date.fromisoformat(text), dt.time())
    except ValueError as exc:
        raise ConfigError("--as-of must be a date YYYY-MM-DD", value=text) from exc


def _store(settings: Settings) -> EventStore | None:
    return EventStore(settings.data_dir) if settings.data_dir.exists() else None


def _factory(settings: Settings) -> sessionmaker[Session]:
    url = settings.effective_database_url
    engine = make_engine(url)  # creates the data directory of a SQLite store
    upgrade(url)
    return session_factory(engine)


def _print_counts(counts: dict[str, int]) -> None:
    keys = [k for k in _ORDER if k in counts] + sorted(set(counts) - set(_ORDER))
    for key in keys:
        typer.echo(f"  {key:<18} {counts[key]:>12,}")


@retention_app.command("purge")
def purge(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="print counts only")] = False,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="date YYYY-MM-DD the period counts back from")
    ] = None,
    days: Annotated[
        int | None, typer.Option(min=1, help="retention period (default FANZHA_RETENTION_DAYS)")
    ] = None,
    data_dir: Path | None = DataDirOption,
    database_url: str | None = DatabaseOption,
) -> None:
    """Clear personal data of records closed more than the retention period ago."""
    from fanzha.workflow.retention import flows

    settings = settings_with(data_dir, database_url)
    policy = flows.Policy(days=days or settings.retention_days, as_of=_as_of(as_of, settings))
    factory = _factory(settings)
    cutoff = policy.cutoff.isoformat(sep=" ", timespec="seconds")
    typer.echo(f"retention {policy.days} days: purging what closed before {cutoff}")
    if dry_run:
        report = flows.preview(factory=factory, store=_store(settings), policy=policy)
        typer.echo("dry run, nothing changed; would purge:")
    else:
        report = flows.purge(
            factory=factory,
            store=_store(settings),
            policy=policy,
            actor=f"cli:{getpass.getuser()}",
            now=local_now(settings.timezone),
            progress=lambda what, n: typer.echo(f"  … {what}: {n:,}"),
        )
        typer.echo(f"purge run {report.run_id} done (audited):")
    _print_counts(dict(report.counts))


@retention_app.command("status")
def status(
    data_dir: Path | None = DataDirOption,
    database_url: str | None = DatabaseOption,
) -> None:
    """Rows purged so far and the last purge runs."""
    from sqlalchemy import select

    from fanzha.workflow.retention import service
    from fanzha.workflow.retention.models import RetentionRun

    settings = settings_with(data_dir, database_url)
    with _factory(settings)() as session:
        typer.echo(f"retention period: {settings.retention_days} days")
        typer.echo("purged so far:")
        _print_counts(service.purged_counts(session=session))
        runs = session.scalars(select(RetentionRun).order_by(RetentionRun.id.desc()).limit(10))
        for run in runs:
            done = "unfinished" if run.finished_at is None else "done"
            warnings, cases = run.counts.get("warnings", 0), run.counts.get("cases", 0)
            typer.echo(
                f"  run {run.id} at {run.started_at:%Y-%m-%d %H:%M} by {run.actor}: cutoff "
                f"{run.cutoff:%Y-%m-%d}, {warnings} warnings, {cases} cases ({done})"
            )
