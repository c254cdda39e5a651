"""Every setting is documented: a new field without a line in docs/settings.md fails here."""

from __future__ import annotations

from pathlib import Path

from fanzha.settings import Settings

DOC = Path(__file__).resolve().parents[2] / "docs" / "settings.md"


def test_settings_every_field_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    missing = [name for name in Settings.model_fields if f"FANZHA_{name.upper()}" not in text]
    assert missing == []
