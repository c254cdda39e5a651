"""The ``fanzha`` command: registers each command group and renders errors in one place."""

from __future__ import annotations

import logging
import sys
from importlib import import_module

import typer

from fanzha.errors import FanzhaError

COMMAND_MODULES = (
    "simulate",
    "ingest",
    "detect",
    "evaluate",
    "demo",
    "numbers",
    "text",
    "desk",
    "cases",
    "history",
    "retention",
    "report",
)

app = typer.Typer(
    name="fanzha",
    help="Fanzha (反诈): early warning and dissuasion for anti-fraud centres.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root(
    debug: bool = typer.Option(False, "--debug", help="show tracebacks and debug logs"),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="show progress logs"),
) -> None:
    """Fanzha (反诈): early warning and dissuasion for anti-fraud centres."""
    level = logging.DEBUG if debug else logging.INFO if verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    _state["debug"] = debug


_state: dict[str, bool] = {"debug": False}

for _name in COMMAND_MODULES:
    import_module(f"fanzha.cli.{_name}").register(app)


def main() -> None:
    """Entry point: run the app; a FanzhaError becomes one line on stderr and exit code 1."""
    try:
        app(standalone_mode=False)
    except FanzhaError as exc:
        if _state["debug"]:
            raise
        typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
        sys.exit(1)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        typer.secho("aborted", err=True)
        sys.exit(130)
    except Exception as exc:  # click usage errors and the like
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        raise
