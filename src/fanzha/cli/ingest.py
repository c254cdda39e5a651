"""`fanzha ingest KIND FILE...` and `fanzha load DIR`: import files into the event store."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from fanzha.core.schemas import KINDS
from fanzha.ingest import IngestReport, ingest_directory, ingest_files
from fanzha.settings import get_settings
from fanzha.store.event_store import EventStore

_console = Console(stderr=False)
_BIG = 200_000  # show a progress bar for files with more rows than this (or of unknown size)

ProgressFn = Callable[[str, int, int | None], None]


@contextmanager
def _progress_bar() -> Iterator[ProgressFn]:
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


def _print_report(report: IngestReport) -> None:
    table = Table(title="ingest", show_lines=False)
    for header in ("file", "kind", "read", "new", "already", "quarantined", "top reasons"):
        table.add_column(header, justify="right" if header in ("read", "new") else "left")
    for f in report.files:
        if f.error is not None:
            table.add_row(f.file.name, f.kind, "-", "-", "-", "-", f"[red]{f.error.message}[/]")
            continue
        reasons = "; ".join(f"{r} ×{n}" for r, n in f.top_reasons())
        table.add_row(
            f.file.name,
            f.kind,
            f"{f.rows_read:,}",
            f"{f.new:,}",
            f"{f.already_present:,}",
            f"{f.quarantined:,}",
            reasons,
        )
    _console.print(table)
    for f in report.files:
        if f.quarantine_file:
            _console.print(f"quarantine: {f.file.name} → {f.quarantine_file}")
        if f.extra_columns:
            _console.print(f"ignored extra columns in {f.file.name}: {', '.join(f.extra_columns)}")
        if f.updated:
            _console.print(f"{f.file.name}: {f.updated:,} rows replaced older rows with the same key")


def _store(data_dir: Path | None) -> EventStore:
    return EventStore(data_dir or get_settings().data_dir)


def ingest(
    kind: str = typer.Argument(..., help=f"one of: {', '.join(KINDS)}"),
    files: list[Path] = typer.Argument(..., help="CSV, XLSX, Parquet or JSONL files"),
    data_dir: Path | None = typer.Option(None, "--data-dir", help="default: FANZHA_DATA_DIR"),
) -> None:
    """Validate, normalise and store files of one kind; bad rows go to quarantine."""
    settings = get_settings()
    with _progress_bar() as progress:
        report = ingest_files(
            kind,
            files,
            _store(data_dir),
            pseudonym_key=settings.pseudonym_key,
            timezone=settings.timezone,
            progress=progress,
            threads=settings.threads,
            memory_limit=settings.memory_limit,
            check=False,
        )
    _print_report(report)
    report.check()


def load(
    directory: Path = typer.Argument(..., help="simulator output folder (<kind>/part-*.*)"),
    data_dir: Path | None = typer.Option(None, "--data-dir", help="default: FANZHA_DATA_DIR"),
) -> None:
    """Import a whole simulator output folder, kinds in dependency order."""
    settings = get_settings()
    with _progress_bar() as progress:
        report = ingest_directory(
            directory,
            _store(data_dir),
            pseudonym_key=settings.pseudonym_key,
            timezone=settings.timezone,
            progress=progress,
            threads=settings.threads,
            memory_limit=settings.memory_limit,
            check=False,
        )
    _print_report(report)
    report.check()


def register(app: typer.Typer) -> None:
    """Add `ingest` and `load` to the app."""
    app.command("ingest")(ingest)
    app.command("load")(load)
