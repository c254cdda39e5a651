"""Rule-file validation (docs/rules.md): a wrong file is refused on load, naming file and field."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import pytest

from fanzha.detection.rules.model import SIGNAL_KINDS, load_rules, parse_rules
from fanzha.errors import ConfigError

DEFAULT = resources.files("fanzha.detection.rules").joinpath("default.toml").read_text("utf-8")


def edited(old: str, new: str, text: str = DEFAULT) -> bytes:
    """The default rules with one exact edit (the edit must apply)."""
    assert text.count(old) == 1, old
    return text.replace(old, new).encode("utf-8")


def refusal(data: bytes, name: str = "my-rules.toml") -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        parse_rules(data, name)
    assert caught.value.context["file"] == name
    return caught.value


def without_section(kind: str) -> bytes:
    """The default rules with the table ``[signals.<kind>]`` removed."""
    pattern = re.compile(rf"^\[signals\.{kind}\][^\n]*\n(?:(?!\[)[^\n]*\n)*", re.MULTILINE)
    text, n = pattern.subn("", DEFAULT)
    assert n == 1, kind
    return text.encode("utf-8")


def test_rules_default_file_loads_with_every_signal_kind() -> None:
    rules = load_rules()
    assert set(SIGNAL_KINDS) <= set(rules.signals)
    assert re.fullmatch(r".+\+[0-9a-f]{8}", rules.full_version)


@pytest.mark.parametrize("kind", ["indicator_call", "cash_withdrawal", "upstream_lead"])
def test_rules_missing_signal_is_refused(kind: str) -> None:
    error = refusal(without_section(kind))
    assert "lacks signals" in error.message and kind in error.message


def test_rules_unknown_contact_kind_is_refused() -> None:
    error = refusal(
        edited('"indicator_call", "indicator_sms",', '"indicator_cal", "indicator_sms",')
    )
    assert "unknown contact kind 'indicator_cal'" in error.message


def test_rules_combo_with_unknown_then_is_refused() -> None:
    error = refusal(edited('then = "cash_withdrawal"', 'then = "cash_withdrawl"'))
    assert "withdrawal_after_contact" in error.message and "cash_withdrawl" in error.message


def test_rules_combo_may_not_refer_to_a_later_combo() -> None:
    first = 'id = "remote_app_after_contact"\nafter = "contact"'
    text = DEFAULT.replace(
        first, 'id = "remote_app_after_contact"\nafter = ["new_payee_after_contact"]'
    )
    error = refusal(text.encode("utf-8"))
    assert "new_payee_after_contact" in error.message


def test_rules_combo_may_refer_to_an_earlier_combo() -> None:
    rules = parse_rules(DEFAULT.encode("utf-8"), "default.toml")
    later = rules.combos[-1]
    assert later.after == ("remote_app_after_contact",)


def test_rules_field_error_names_the_field() -> None:
    error = refusal(edited("half_life_hours = ", "half_life_hours = -"))
    assert error.message.startswith("invalid rule scoring.half_life_hours:")


def test_rules_unknown_field_is_refused() -> None:
    error = refusal(edited("min_amount = 5000.0", "min_amount = 5000.0\nmin_amout = 1.0"))
    assert "signals.cash_withdrawal.min_amout" in error.message


def test_rules_bad_level_is_refused() -> None:
    error = refusal(
        edited('level_floor = "emergency"\n\n[[combos]]', 'level_floor = "urgentest"\n\n[[combos]]')
    )
    assert "level_floor" in error.message


def test_rules_invalid_toml_is_refused() -> None:
    assert "not valid TOML" in refusal(b"version = \n").message
    assert "not valid TOML" in refusal(b"\xff\xfe version").message


def test_rules_unreadable_file_is_refused(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    with pytest.raises(ConfigError) as caught:
        load_rules(missing)
    assert caught.value.context["file"] == str(missing)


def test_rules_version_changes_with_the_bytes() -> None:
    base = parse_rules(DEFAULT.encode("utf-8"), "a.toml")
    changed = parse_rules(edited("min_amount = 5000.0", "min_amount = 5001.0"), "a.toml")
    assert base.version == changed.version
    assert base.full_version != changed.full_version
