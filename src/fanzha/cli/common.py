"""Shared pieces of the command line: settings, console, common options."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import typer
from rich.console import Console

from fanzha.settings import Settings, get_settings

console = Console()
err_console = Console(stderr=True)

DataDirOption = typer.Option(
    None, "--data-dir", help="data directory (default: FANZHA_DATA_DIR or ./var)"
)
DatabaseOption = typer.Option(
    None, "--database-url", help="workflow store URL (default: FANZHA_DATABASE_URL or SQLite)"
)


def settings_with(data_dir: Path | None = None, database_url: str | None = None) -> Settings:
    """The settings, with command-line overrides applied."""
    base = get_settings()
    updates: dict[str, object] = {}
    if data_dir is not None:
        updates["data_dir"] = data_dir
    if database_url is not None:
        updates["database_url"] = database_url
    return base.model_copy(update=updates) if updates else base


def print_file_details(
    out: Console,
    reasons: Iterable[tuple[str, int]],
    quarantine_file: Path | None,
    extra_columns: Sequence[str],
) -> None:
    """The lines under a file's summary: top quarantine reasons, the quarantine file, the
    columns the file had that no schema column takes (ingest, cases, volunteers)."""
    for reason, n in reasons:
        out.print(f"    {n:>9,} × {reason}", markup=False)
    if quarantine_file:
        out.print(f"    quarantine file: {quarantine_file}", markup=False)
    if extra_columns:
        out.print(f"    ignored extra columns: {', '.join(extra_columns)}", markup=False)
