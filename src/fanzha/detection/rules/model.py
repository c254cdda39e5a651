"""Load and validate a rules file.

The file is TOML (see ``default.toml``, documented in ``docs/rules.md``). Validation happens
once, on load, so a typo in a rule is a clear :class:`~fanzha.errors.ConfigError` with the file
name instead of a failing query. ``Rules.version`` is the declared version plus a hash of the
file's bytes, so every warning records exactly which rules produced it.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from fanzha.core.levels import Level
from fanzha.core.rules_file import first_error, parse_toml, rules_bytes
from fanzha.errors import ConfigError

SIGNAL_KINDS = (
    "indicator_call",
    "indicator_sms",
    "sms_link",
    "scam_text_sms",
    "indicator_url",
    "scam_link_visit",
    "scam_site_visit",
    "indicator_app",
    "indicator_account",
    "upstream_lead",
    "suspicious_call",
    "behaviour_number_call",
    "suspected_number_call",
    "remote_app_install",
    "new_payee_transfer",
    "cash_withdrawal",
)
#: Kinds added after rule files were in use: a file without them gets weight 0 (never warns).
OPTIONAL_KINDS = ("scam_site_visit",)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SignalRule(_Strict):
    """Parameters of one signal kind; unused fields keep their defaults."""

    weight: float = Field(ge=0)
    per_minute: float = Field(0.0, ge=0)
    max_weight: float | None = Field(None, ge=0)
    min_duration_s: int = Field(0, ge=0)
    long_call_s: int | None = Field(None, ge=1)
    long_call_level: int = 0
    level_floor: int = 0
    min_fraud_score: float = Field(0.5, ge=0, le=1)
    min_amount: float = Field(0.0, ge=0)
    packages: tuple[str, ...] = ()
    shared_sites: tuple[str, ...] = ()
    max_reach_per_100k_per_day: float | None = Field(None, gt=0)
    max_callback_ratio: float = Field(1.0, ge=0)
    min_callees_for_callback: int = Field(10, ge=1)

    @field_validator("level_floor", "long_call_level", mode="before")
    @classmethod
    def _parse_level(cls, value: object) -> int:
        return _level_number(value)


class BehaviourNumberRule(_Strict):
    """Which numbers count as behaving like fraud lines, with no blacklist."""

    min_distinct_callees: int = Field(ge=1)
    max_callback_ratio: float = Field(ge=0, le=1)
    min_sims_per_imei: int = Field(ge=2)
    require_simbox_or_range: bool = True


class Combo(_Strict):
    """``then`` within ``within_minutes`` after any of ``after`` emits signal ``id``."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    after: tuple[str, ...]
    then: str
    within_minutes: int = Field(ge=1)
    weight: float = Field(ge=0)
    level_floor: int = 0
    min_after_weight: float = Field(0.0, ge=0)

    @field_validator("after", mode="before")
    @classmethod
    def _listify(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value

    @field_validator("level_floor", mode="before")
    @classmethod
    def _parse_level(cls, value: object) -> int:
        return _level_number(value)


class Scoring(_Strict):
    """Decay, episodes and level thresholds."""

    half_life_hours: float = Field(gt=0)
    episode_gap_hours: float = Field(gt=0)
    low: float = Field(gt=0)
    medium: float = Field(gt=0)
    high: float = Field(gt=0)
    emergency: float = Field(gt=0)
    reasons_kept: int = Field(20, ge=1)
    contact_kinds: tuple[str, ...]
    doubtful_min_reach: int = Field(5, ge=1)

    def thresholds(self) -> list[tuple[int, float]]:
        """(level, minimum score) from the most urgent down."""
        return [(4, self.emergency), (3, self.high), (2, self.medium), (1, self.low)]


class Rules(_Strict):
    """A whole rules file."""

    version: str
    description: str = ""
    scoring: Scoring
    signals: dict[str, SignalRule]
    behaviour_number: BehaviourNumberRule
    combos: tuple[Combo, ...] = ()
    source: str = ""
    fingerprint: str = ""

    def signal(self, kind: str) -> SignalRule:
        """Parameters of a signal kind."""
        return self.signals[kind]

    @property
    def full_version(self) -> str:
        """Declared version and content hash, recorded on every warning."""
        return f"{self.version}+{self.fingerprint[:8]}"

    def expand_after(self, combo: Combo) -> tuple[str, ...]:
        """The signal kinds a combination starts from (``contact`` expands to the group)."""
        kinds: list[str] = []
        for name in combo.after:
            kinds.extend(self.scoring.contact_kinds if name == "contact" else [name])
        return tuple(kinds)


def _level_number(value: object) -> int:
    if value in (None, 0, "", "none"):
        return 0
    try:
        return int(Level.parse(value))  # type: ignore[arg-type]
    except ValueError as exc:
        raise ValueError(str(exc)) from exc


def load_rules(path: Path | None = None) -> Rules:
    """Load and validate a rules file (the packaged default when ``path`` is None)."""
    data, name = rules_bytes("fanzha.detection.rules", path, "rules file")
    return parse_rules(data, name)


def parse_rules(data: bytes, name: str) -> Rules:
    """Validate rules from TOML bytes; errors name the file and the offending field."""
    raw = parse_toml(data, name, "rules file is not valid TOML")
    raw_signals = raw.get("signals", {})
    behaviour = raw_signals.pop("behaviour_number", None)
    for kind in OPTIONAL_KINDS:
        raw_signals.setdefault(kind, {"weight": 0.0})
    try:
        rules = Rules(
            **{k: v for k, v in raw.items() if k != "signals"},
            signals=raw_signals,
            behaviour_number=behaviour,
            source=name,
            fingerprint=hashlib.sha256(data).hexdigest(),
        )
    except ValidationError as exc:
        raise ConfigError(f"invalid rule {first_error(exc)}", file=name) from exc
    _check_references(rules, name)
    return rules


def _check_references(rules: Rules, name: str) -> None:
    missing = [k for k in SIGNAL_KINDS if k not in rules.signals]
    if missing:
        raise ConfigError(f"rules file lacks signals: {', '.join(missing)}", file=name)
    known = set(SIGNAL_KINDS)
    for kind in rules.scoring.contact_kinds:
        if kind not in known:
            raise ConfigError(f"unknown contact kind {kind!r}", file=name)
    for combo in rules.combos:
        for kind in (*rules.expand_after(combo), combo.then):
            if kind not in known:
                raise ConfigError(f"combo {combo.id} refers to unknown signal {kind!r}", file=name)
        known.add(combo.id)
