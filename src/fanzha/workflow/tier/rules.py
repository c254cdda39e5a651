"""Tier rules as data: a versioned TOML file (``default.toml``, docs/tiers.md)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from fanzha.core.rules_file import first_error, parse_toml, rules_bytes
from fanzha.errors import ConfigError

Tier = Literal["watch", "automated", "assisted", "one_to_one"]
TIERS: tuple[Tier, ...] = ("watch", "automated", "assisted", "one_to_one")
TIER_RANK = {tier: i for i, tier in enumerate(TIERS)}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OneToOneRule(_Strict):
    """Who is a candidate for an officer."""

    min_victim_score: float = Field(0.5, ge=0, le=1)
    min_level_without_model: int = Field(4, ge=1, le=4)
    kinds: tuple[str, ...] = ()
    reallocate: bool = False  # a later, likelier candidate takes an unstarted holder's place


class AssistedRule(_Strict):
    """Who gets a robot call first and an officer if it is not confirmed."""

    min_victim_score: float = Field(0.1, ge=0, le=1)
    min_level_without_model: int = Field(3, ge=1, le=4)
    kinds: tuple[str, ...] = ()


class AutomatedRule(_Strict):
    """Who gets SMS / voice robot warnings."""

    min_level: int = Field(1, ge=1, le=4)


class WatchRule(_Strict):
    """Who is kept without contact."""

    max_level: int = Field(1, ge=0, le=4)
    max_victim_score: float = Field(0.01, ge=0, le=1)
    only_kinds: tuple[str, ...] = ()


Event = Literal["unconfirmed", "unanswered", "refused", "failed"]


class EscalationRule(_Strict):
    """How outcomes and new signals move a warning up.

    The defaults keep the policy before ``2026.12-3`` (every unconfirmed contact moves up at
    once): no retry, no victim-score gate, no SMS fallback.
    """

    unconfirmed: dict[Tier, Tier] = Field(default_factory=dict)
    new_signal_from_watch: Tier = "automated"
    retry_calls: int = Field(0, ge=0, le=5)  # robot calls again before an officer
    retry_after_minutes: int = Field(60, ge=0, le=24 * 60)
    retry_on: tuple[Event, ...] = ("unanswered", "failed")
    retry_below_victim_score: float = Field(1.0, ge=0, le=1)  # at or above: no retry, at once
    min_victim_score_to_officer: float = Field(0.0, ge=0, le=1)  # 0: no gate
    min_level_to_officer_without_model: int = Field(1, ge=1, le=4)
    sms_fallback: bool = False  # a warning held below the gate gets an SMS if it had none
    new_signal_after_held: bool = False  # a new signal makes a held warning a candidate


class TierRules(_Strict):
    """A whole tier-rules file."""

    version: str
    description: str = ""
    one_to_one: OneToOneRule = OneToOneRule()
    assisted: AssistedRule = AssistedRule()
    automated: AutomatedRule = AutomatedRule()
    watch: WatchRule = WatchRule()
    escalation: EscalationRule = EscalationRule()
    source: str = ""
    fingerprint: str = ""

    @property
    def full_version(self) -> str:
        """Declared version and content hash, stored with every tier."""
        return f"{self.version}+{self.fingerprint[:8]}"


def escalate_at_once(rules: TierRules) -> TierRules:
    """The rules with the escalation policy before ``2026.12-3``: every contact that is not
    confirmed moves the warning up at once (no repeated call, no officer gate, no fallback)."""
    esc = rules.escalation
    before = EscalationRule(
        unconfirmed=esc.unconfirmed, new_signal_from_watch=esc.new_signal_from_watch
    )
    return rules.model_copy(update={"escalation": before})


def load_tier_rules(path: Path | None = None) -> TierRules:
    """Load and validate a tier-rules file (the packaged default when ``path`` is None)."""
    data, name = rules_bytes("fanzha.workflow.tier", path, "tier rules")
    return parse_tier_rules(data, name)


def parse_tier_rules(data: bytes, name: str) -> TierRules:
    """Validate tier rules from TOML bytes; errors name the file and the field."""
    raw = parse_toml(data, name, "tier rules are not valid TOML")
    try:
        return TierRules(**raw, source=name, fingerprint=hashlib.sha256(data).hexdigest())
    except ValidationError as exc:
        raise ConfigError(f"tier rules: {first_error(exc)}", file=name) from exc
