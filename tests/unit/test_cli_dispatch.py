"""``fanzha`` imports only the module of the command being run: the table must be exact."""

from __future__ import annotations

import sys

import pytest
import typer
import typer.main

from fanzha.cli.app import COMMAND_MODULES, main, make_app, modules_for


def _top_level_names(cli: typer.Typer) -> set[str]:
    group = typer.main.get_group(cli)
    return set(group.commands)


def test_each_module_registers_exactly_the_commands_listed() -> None:
    for module, commands in COMMAND_MODULES.items():
        assert _top_level_names(make_app((module,))) == set(commands), module


def test_argv_picks_the_owning_module_or_all() -> None:
    assert modules_for(["report", "--period", "2026-10"]) == ("report",)
    assert modules_for(["--verbose", "serve", "--demo"]) == ("desk",)
    assert modules_for(["numbers", "train"]) == ("numbers",)
    assert modules_for(["--help"]) == tuple(COMMAND_MODULES)
    assert modules_for(["no-such-command"]) == tuple(COMMAND_MODULES)


def test_a_usage_error_is_a_message_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "argv", ["fanzha", "ingest"])  # FILES missing
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "Missing" in err and "Traceback" not in err
