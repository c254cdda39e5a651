"""The configurable definitions: read from the one Settings object, checked on the way in."""

from __future__ import annotations

import pytest

from fanzha.reporting.config import MetricsConfig, from_settings
from fanzha.reporting.errors import ReportError
from fanzha.settings import Settings


def test_from_settings_reads_the_report_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FANZHA_REPORT_FRAUD_OUTCOMES", '["dissuaded", "defrauded"]')
    monkeypatch.setenv("FANZHA_REPORT_VISIT_LEVELS", "[4]")
    monkeypatch.setenv("FANZHA_REPORT_VICTIMISATION_DAYS", "14")
    monkeypatch.setenv("FANZHA_CASE_STOP_MINUTES", "20")
    monkeypatch.setenv("FANZHA_TIMEZONE", "Asia/Urumqi")
    cfg = from_settings(Settings())
    assert cfg.fraud_outcomes == ("dissuaded", "defrauded")
    assert cfg.visit_levels == (4,)
    assert (cfg.victimisation_days, cfg.stop_payment_minutes) == (14, 20)
    assert cfg.unchecked_outcomes == ("not_found", "duplicate")
    assert cfg.timezone == "Asia/Urumqi"


def test_defaults_match_the_settings_defaults() -> None:
    assert from_settings(Settings()) == MetricsConfig()


@pytest.mark.parametrize(
    "kwargs",
    [
        {"fraud_outcomes": ("dissuaded", "not_reached")},  # not a final outcome
        {"unchecked_outcomes": ("nonsense",)},
        {"victimisation_days": 0},
    ],
)
def test_bad_definitions_are_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(ReportError):
        MetricsConfig(**kwargs)  # type: ignore[arg-type]
