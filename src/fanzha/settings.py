"""The one settings object. Every value can be set by a ``FANZHA_*`` environment variable.

Library code never reads settings itself: the CLI and the web app read them once and pass
explicit arguments down. Every field is documented in ``docs/settings.md`` (a test checks it).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from fanzha.errors import ConfigError

DEV_PSEUDONYM_KEY = "dev-only-pseudonym-key-change-me"
DEV_SECRET_KEY = "dev-only-desk-secret-key-change-me"
# Warning-desk SLA defaults in minutes per level: (sign-for, first contact, face-to-face visit).
DEFAULT_SLA_MINUTES: dict[str, list[int]] = {
    "emergency": [5, 10, 60],
    "high": [30, 60, 1440],
    "medium": [240, 1440, 4320],
    "low": [1440, 1440, 10080],
}


class Settings(BaseSettings):
    """Fanzha's configuration, from ``FANZHA_*`` environment variables or a ``.env`` file."""

    model_config = SettingsConfigDict(env_prefix="FANZHA_", env_file=".env", extra="ignore")

    environment: Literal["development", "production"] = Field(
        "development", description="production refuses development secrets"
    )
    data_dir: Path = Field(Path("var"), description="event store, quarantine and models live here")
    database_url: str = Field(
        "", description="workflow store URL; default sqlite:///<data_dir>/fanzha.db"
    )
    database_pool_size: int = Field(
        10, ge=1, description="desk: workflow store connections kept open per worker process"
    )
    database_max_overflow: int = Field(
        30, ge=0, description="desk: extra connections per worker at peak (pool size + this)"
    )
    pseudonym_key: str = Field(
        DEV_PSEUDONYM_KEY, description="secret key for pseudonymising ID numbers (HMAC-SHA256)"
    )
    timezone: str = Field("Asia/Shanghai", description="zone of times given without an offset")
    rules_file: Path | None = Field(None, description="detection rules; default: packaged")
    threads: int = Field(2, ge=1, description="DuckDB worker threads")
    memory_limit: str = Field("8GB", description="DuckDB memory limit")
    # --- warning desk (web workspace, dispatch, SLA clocks) ---
    secret_key: str = Field(
        DEV_SECRET_KEY, description="signs session cookies and CSRF tokens of the desk"
    )
    session_max_age_minutes: int = Field(
        720, ge=5, description="a desk login expires after this many minutes"
    )
    session_cookie_secure: bool | None = Field(
        None, description="send the session cookie over HTTPS only; default: on in production"
    )
    login_max_failures: int = Field(
        5, ge=1, description="failed logins per user name or address before a lockout"
    )
    login_lockout_minutes: int = Field(15, ge=1, description="how long a login lockout lasts")
    sla_minutes: dict[str, list[int]] = Field(
        default_factory=lambda: {k: list(v) for k, v in DEFAULT_SLA_MINUTES.items()},
        description="per level: minutes to sign for, to first contact and to visit",
    )
    officer_capacity: int = Field(
        30, ge=1, description="open warnings an on-duty officer gets by auto-assignment"
    )
    desk_tick_seconds: float = Field(
        0.5, gt=0, description="how often the desk routes new warnings and checks SLA clocks"
    )
    default_language: Literal["zh", "en"] = Field("zh", description="language of the desk UI")
    page_size: int = Field(50, ge=5, le=500, description="rows per page of the desk queues")
    # --- case registry (警情/案件) ---
    case_stop_minutes: int = Field(
        30, ge=1, description="a stop-payment filed this many minutes after the report is on time"
    )
    case_receive_only_hours: int = Field(
        48, ge=1, description="an emergency stop-payment keeps the account receive-only this long"
    )
    # --- reporting (metric definitions; docs/reporting.md) ---
    report_fraud_outcomes: list[str] = Field(
        default_factory=lambda: ["self_protected", "dissuaded", "defrauded", "relative", "visited"],
        description="final outcomes that confirm a warning was fraud-related (accuracy)",
    )
    report_unchecked_outcomes: list[str] = Field(
        default_factory=lambda: ["not_found", "duplicate"],
        description="final outcomes left out of the checkable warnings",
    )
    report_visit_levels: list[int] = Field(
        default_factory=lambda: [4, 3], description="levels that require a face-to-face visit"
    )
    report_victimisation_days: int = Field(
        30, ge=1, description="a case this many days after a warning counts as victimisation"
    )
    dashboard_warm_up: bool = Field(
        True, description="each server process computes this month's and this year's dashboard"
    )
    # --- retention of personal data (docs/retention.md) ---
    retention_days: int = Field(
        365, ge=1, description="personal data of closed warnings and cases is purged after this"
    )
    # --- real-time detection (docs/streaming.md) ---
    stream_redis_url: str = Field(
        "redis://127.0.0.1:6379/0", description="Redis server holding the event stream"
    )
    stream_name: str = Field("fanzha:events", description="Redis stream key of the events")
    stream_queue_max: int = Field(
        200_000, ge=1, description="events waiting in the stream before intake answers 503"
    )
    stream_batch: int = Field(2000, ge=1, description="most events the consumer scores at once")
    stream_snapshot_seconds: float = Field(
        30.0, gt=0, description="the consumer snapshots its state this often"
    )
    stream_dedupe_minutes: int = Field(
        60, ge=1, description="a resent event source id is recognised for this long"
    )
    stream_history_days: int = Field(
        90, ge=1, description="the stream's first-of-a-kind history forgets keys unseen this long"
    )
    stream_refresh_minutes: float = Field(
        15.0, ge=0, description="the consumer rebuilds its lookups this often (0: never)"
    )
    # --- outreach (notify channels, outbox dispatcher) ---
    notify_channels_file: Path | None = Field(
        None, description="JSON file of outreach channels (kinds, addresses, credentials, rates)"
    )
    notify_batch_size: int = Field(500, ge=1, le=5000, description="outbox rows claimed per pass")
    notify_lease_seconds: float = Field(
        60.0, gt=0, description="a 'sending' row older than this is reclaimed (crash recovery)"
    )
    notify_max_attempts: int = Field(5, ge=1, description="tries before an outbox row fails")
    notify_retry_seconds: float = Field(
        30.0, gt=0, description="first outbox retry delay (doubles per attempt, max 1 hour)"
    )
    outreach_sms_channel: str = Field(
        "sms", description="channel of the SMS to automated-tier warnings ('': none)"
    )
    outreach_voice_channel: str = Field(
        "voice", description="channel of the robot call to assisted-tier warnings ('': none)"
    )
    partner_daily_rows: int = Field(
        20_000, ge=1, description="account rows one partner API key may push per UTC day"
    )
    partner_valid_days: int = Field(
        180, ge=1, description="days an account pushed by a partner stays blacklisted"
    )

    # --- tiered response (docs/tiers.md) ---
    desk_one_to_one_per_station_per_day: int = Field(
        3, ge=0, description="one-to-one warnings (officer call/visit) a station takes per day"
    )
    tier_rules_file: Path | None = Field(None, description="tier rules; default: packaged")
    victim_model_file: Path | None = Field(
        None, description="trained victim-risk model; none: tiers use levels and signals"
    )

    @model_validator(mode="after")
    def _refuse_dev_secrets_in_production(self) -> Settings:
        if self.environment == "production" and self.pseudonym_key == DEV_PSEUDONYM_KEY:
            raise ConfigError("FANZHA_PSEUDONYM_KEY must be set to a secret in production")
        if self.environment == "production" and self.secret_key == DEV_SECRET_KEY:
            raise ConfigError("FANZHA_SECRET_KEY must be set to a secret in production")
        return self

    @model_validator(mode="after")
    def _check_sla_minutes(self) -> Settings:
        if set(self.sla_minutes) != set(DEFAULT_SLA_MINUTES):
            raise ConfigError("FANZHA_SLA_MINUTES needs emergency, high, medium and low")
        for level, steps in self.sla_minutes.items():
            if len(steps) != 3 or min(steps) <= 0 or sorted(steps) != list(steps):
                raise ConfigError(
                    "FANZHA_SLA_MINUTES: three increasing positive minutes per level",
                    level=level,
                )
        return self

    @property
    def cookie_secure(self) -> bool:
        """Whether the desk's cookies carry the Secure flag."""
        if self.session_cookie_secure is None:
            return self.environment == "production"
        return self.session_cookie_secure

    @property
    def effective_database_url(self) -> str:
        """The workflow-store URL, defaulting to SQLite inside the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'fanzha.db').as_posix()}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Read the settings once per process."""
    return Settings()
