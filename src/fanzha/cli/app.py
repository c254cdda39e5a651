"""The ``fanzha`` command: registers each command group and renders errors in one place."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable
from importlib import import_module

import typer

from fanzha.errors import FanzhaError

# Each command module and the top-level commands it registers. ``main`` imports only the
# module of the command being run (the model and web modules take seconds to import); help,
# an unknown command and ``app`` (used by tests) register them all.
COMMAND_MODULES: dict[str, tuple[str, ...]] = {
    "simulate": ("simulate",),
    "ingest": ("ingest", "load"),
    "detect": ("detect",),
    "evaluate": ("evaluate", "sweep", "train-victim-model"),
    "demo": ("demo",),
    "numbers": ("numbers",),
    "text": ("text",),
    "desk": ("serve", "users", "audit"),
    "cases": ("cases",),
    "history": ("simulate-history",),
    "retention": ("retention",),
    "report": ("report",),
    "volunteers": ("volunteers",),
    "publicity": ("publicity",),
    "stream": ("stream",),
    "notify": ("notify",),
}

_state: dict[str, bool] = {"debug": False}


def _root(
    debug: bool = typer.Option(False, "--debug", help="show tracebacks and debug logs"),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="show progress logs"),
) -> None:
    """Fanzha (反诈): early warning and dissuasion for anti-fraud centres."""
    level = logging.DEBUG if debug else logging.INFO if verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    _state["debug"] = debug


def make_app(modules: Iterable[str] = COMMAND_MODULES) -> typer.Typer:
    """The ``fanzha`` command with the commands of ``modules`` registered."""
    cli = typer.Typer(
        name="fanzha",
        help="Fanzha (反诈): early warning and dissuasion for anti-fraud centres.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )
    cli.callback()(_root)
    for name in modules:
        import_module(f"fanzha.cli.{name}").register(cli)
    return cli


def modules_for(argv: list[str]) -> tuple[str, ...]:
    """The command module that owns the command in ``argv``, or every module."""
    command = next((arg for arg in argv if not arg.startswith("-")), None)
    for module, commands in COMMAND_MODULES.items():
        if command in commands:
            return (module,)
    return tuple(COMMAND_MODULES)


def __getattr__(name: str) -> typer.Typer:
    """``app``: every command registered (built on first use)."""
    if name == "app":
        full = make_app()
        globals()["app"] = full
        return full
    raise AttributeError(name)


def main() -> None:
    """Entry point: run the app; a FanzhaError becomes one line on stderr and exit code 1."""
    try:
        make_app(modules_for(sys.argv[1:]))(standalone_mode=False)
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
        if isinstance(exc, usage_error_types()):
            exc.show()  # type: ignore[attr-defined]
            sys.exit(exc.exit_code)  # type: ignore[attr-defined]
        raise


def usage_error_types() -> tuple[type[Exception], ...]:
    """Click's usage-error class, and typer's vendored copy of it (typer ≥ 0.20 ships its own
    click as ``typer._click``: its errors are not ``click.ClickException``)."""
    import click

    kinds: list[type[Exception]] = [click.ClickException]
    try:
        from typer import _click

        kinds.append(_click.exceptions.ClickException)
    except (ImportError, AttributeError):
        pass
    return tuple(kinds)
