"""``fanzha volunteers import FILE``: the volunteer roster (蓝马甲) from CSV or XLSX."""

from __future__ import annotations

from pathlib import Path

import typer

from fanzha.cli.cases import quarantine_base
from fanzha.cli.common import (
    DatabaseOption,
    DataDirOption,
    console,
    print_file_details,
    settings_with,
)
from fanzha.settings import Settings
from fanzha.store.database import make_engine, session_factory, upgrade
from fanzha.workflow.clock import local_now
from fanzha.workflow.volunteer.importer import RosterReport, import_volunteers

volunteers_app = typer.Typer(help="The volunteer roster (蓝马甲).", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add ``fanzha volunteers …``."""
    app.add_typer(volunteers_app, name="volunteers")


def run_import(
    settings: Settings, file: Path, sheet: str | None = None, quarantine: Path | None = None
) -> RosterReport:
    """Migrate the workflow store if needed and import ``file``."""
    url = settings.effective_database_url
    engine = make_engine(url)
    upgrade(url)
    try:
        return import_volunteers(
            file,
            factory=session_factory(engine),
            now=local_now(settings.timezone),
            quarantine_dir=quarantine or quarantine_base(settings),
            sheet=sheet,
        )
    finally:
        engine.dispose()


def print_report(report: RosterReport) -> None:
    """Rows in = accepted + quarantined, volunteers new/updated/unchanged, top reasons."""
    console.print(
        f"[green]✓[/] volunteers {report.file.name}: read {report.rows_read:,} · "
        f"accepted {report.accepted:,} · quarantined {report.quarantined:,} · "
        f"new {report.new:,}, updated {report.updated:,}, unchanged {report.unchanged:,} · "
        f"teams {report.teams:,}"
    )
    print_file_details(
        console, report.reasons.most_common(5), report.quarantine_file, report.extra_columns
    )


@volunteers_app.command("import")
def import_command(
    file: Path = typer.Argument(..., help="CSV (UTF-8/GBK/GB18030) or XLSX roster file"),
    sheet: str = typer.Option("", "--sheet", help="XLSX sheet name (default: the first)"),
    quarantine_dir: Path = typer.Option(
        None, "--quarantine-dir", help="folder for bad rows (default: next to the workflow DB)"
    ),
    data_dir: Path = DataDirOption,
    database_url: str = DatabaseOption,
) -> None:
    """Import volunteers; a re-import updates the same people (keyed by phone)."""
    settings = settings_with(data_dir, database_url)
    print_report(run_import(settings, file, sheet or None, quarantine_dir))
