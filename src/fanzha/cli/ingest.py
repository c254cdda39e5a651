"""`fanzha ingest KIND FILE...` and `fanzha load DIR`: import files into the event store."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from fanzha.cli.common import print_file_details
from fanzha.core.schemas import KINDS
from fanzha.ingest import FileReport, IngestReport, ingest_directory, ingest_files
from fanzha.settings import Settings, get_settings
from fanzha.store.event_store import EventStore

_console = Console(soft_wrap=True)
_BIG = 200_000  # show a progress bar for files with more rows than this (or of unknown size)

ProgressFn = Callable[[str, int, int | None], None]


@contextmanager
def progress_bar() -> Iterator[ProgressFn]:
    """A rich progress bar, one task per file, shown once a file turns out to be large."""
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,} rows"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        tasks: dict[str, int] = {}

        def update(name: str, done: int, total: int | None) -> None:
            if name not in tasks and done < _BIG and (total or 0) < _BIG:
                return
            if name not in tasks:
                tasks[name] = int(bar.add_task(name, total=total))
            bar.update(tasks[name], completed=done)  # type: ignore[arg-type]

        yield update


def _print_file(f: FileReport) -> None:
    if f.error is not None:
        _console.print(f"[red]✗[/] {f.kind:<13} {f.file.name}: {f.error}")
        return
    _console.print(
        f"[green]✓[/] {f.kind:<13} {f.file.name}: read {f.rows_read:,} · "
        f"accepted {f.accepted:,} (new {f.new:,}, already present {f.already_present:,}) · "
        f"quarantined {f.quarantined:,}"
    )
    print_file_details(_console, f.top_reasons(), f.quarantine_file, f.extra_columns)
    if f.updated:
        _console.print(f"    {f.updated:,} rows replaced older rows with the same key")


def print_report(report: IngestReport) -> None:
    for f in report.files:
        _print_file(f)
    if len(report.files) > 1:
        _console.print(
            f"total: read {report.rows_read:,} · accepted {report.accepted:,} "
            f"(new {report.new:,}) · quarantined {report.quarantined:,}"
        )


def _store(data_dir: Path | None) -> EventStore:
    return EventStore(data_dir or get_settings().data_dir)


def ingest_options(settings: Settings) -> dict[str, Any]:
    """The settings every ingestion call takes (key, zone, DuckDB limits)."""
    return {
        "pseudonym_key": settings.pseudonym_key,
        "timezone": settings.timezone,
        "threads": settings.threads,
        "memory_limit": settings.memory_limit,
    }


def ingest(
    kind: str = typer.Argument(..., help=f"one of: {', '.join(KINDS)}"),
    files: list[Path] = typer.Argument(..., help="CSV, XLSX, Parquet or JSONL files"),
    data_dir: Path | None = typer.Option(None, "--data-dir", help="default: FANZHA_DATA_DIR"),
) -> None:
    """Validate, normalise and store files of one kind; bad rows go to quarantine."""
    settings = get_settings()
    with progress_bar() as progress:
        report = ingest_files(
            kind,
            files,
            _store(data_dir),
            progress=progress,
            check=False,
            **ingest_options(settings),
        )
    print_report(report)
    report.check()


def load(
    directory: Path = typer.Argument(..., help="simulator output folder (<kind>/part-*.*)"),
    data_dir: Path | None = typer.Option(None, "--data-dir", help="default: FANZHA_DATA_DIR"),
) -> None:
    """Import a whole simulator output folder, kinds in dependency order."""
    settings = get_settings()
    with progress_bar() as progress:
        report = ingest_directory(
            directory,
            _store(data_dir),
            progress=progress,
            check=False,
            **ingest_options(settings),
        )
    print_report(report)
    report.check()


def register(app: typer.Typer) -> None:
    """Add `ingest` and `load` to the app."""
    app.command("ingest")(ingest)
    app.command("load")(load)
