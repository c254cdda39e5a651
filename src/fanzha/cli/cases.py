"""``fanzha cases import FILE``: fraud cases (警情/案件) from CSV or XLSX into the registry."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy.engine import make_url

from fanzha.cli.common import (
    DatabaseOption,
    DataDirOption,
    console,
    err_console,
    print_file_details,
    settings_with,
)
from fanzha.settings import Settings
from fanzha.store.database import make_engine, session_factory, upgrade
from fanzha.store.event_store import EventStore
from fanzha.workflow.case.importer import ImportReport, import_cases
from fanzha.workflow.case.residents import ResidentIndex
from fanzha.workflow.case.schemas import CaseClocks
from fanzha.workflow.clock import local_now

cases_app = typer.Typer(help="The case registry (警情/案件).", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add ``fanzha cases …``."""
    app.add_typer(cases_app, name="cases")


def clocks_of(settings: Settings) -> CaseClocks:
    """The stop-payment clocks from the settings."""
    return CaseClocks(settings.case_stop_minutes, settings.case_receive_only_hours)


def quarantine_base(settings: Settings) -> Path:
    """Next to the workflow database when it is a SQLite file, else the data directory."""
    url = make_url(settings.effective_database_url)
    if url.get_backend_name() == "sqlite" and url.database:
        return Path(url.database).parent
    return settings.data_dir


@contextmanager
def _bar() -> Iterator[Callable[[int, int | None], None]]:
    with Progress(
        TextColumn("cases"),
        BarColumn(),
        TextColumn("{task.completed:,} rows"),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    ) as bar:
        task = bar.add_task("cases", total=None)

        def update(done: int, total: int | None) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def run_import(
    settings: Settings, file: Path, sheet: str | None = None, quarantine: Path | None = None
) -> ImportReport:
    """Migrate the workflow store if needed and import ``file``."""
    url = settings.effective_database_url
    engine = make_engine(url)
    upgrade(url)
    store = EventStore(settings.data_dir) if settings.data_dir.is_dir() else None
    try:
        with _bar() as progress:
            return import_cases(
                file,
                factory=session_factory(engine),
                residents=ResidentIndex(store, threads=settings.threads),
                clocks=clocks_of(settings),
                now=local_now(settings.timezone),
                quarantine_dir=quarantine or quarantine_base(settings),
                timezone=settings.timezone,
                pseudonym_key=settings.pseudonym_key,
                sheet=sheet,
                progress=progress,
            )
    finally:
        engine.dispose()


def print_report(report: ImportReport) -> None:
    """Rows in = accepted + quarantined, cases new/updated, links, top reasons."""
    console.print(
        f"[green]✓[/] cases {report.file.name}: read {report.rows_read:,} · "
        f"accepted {report.accepted:,} · quarantined {report.quarantined:,} · "
        f"cases new {report.cases_new:,}, updated {report.cases_updated:,}, "
        f"unchanged {report.cases_unchanged:,} · "
        f"accounts {report.accounts:,} · linked to residents {report.residents_linked:,}, "
        f"to warnings {report.warnings_linked:,}"
    )
    print_file_details(
        console, report.reasons.most_common(5), report.quarantine_file, report.extra_columns
    )


@cases_app.command("import")
def import_command(
    file: Path = typer.Argument(..., help="CSV (UTF-8/GBK/GB18030) or XLSX file of cases"),
    sheet: str = typer.Option("", "--sheet", help="XLSX sheet name (default: the first)"),
    quarantine_dir: Path = typer.Option(
        None, "--quarantine-dir", help="folder for bad rows (default: next to the workflow DB)"
    ),
    data_dir: Path = DataDirOption,
    database_url: str = DatabaseOption,
) -> None:
    """Import cases; a re-import of the same file updates, never duplicates."""
    settings = settings_with(data_dir, database_url)
    report = run_import(settings, file, sheet or None, quarantine_dir)
    print_report(report)
