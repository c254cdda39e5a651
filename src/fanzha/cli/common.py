"""Shared pieces of the command line: settings, console, common options."""

from __future__ import annotations

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
