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
    pseudonym_key: str = Field(
        DEV_PSEUDONYM_KEY, description="secret key for pseudonymising ID numbers (HMAC-SHA256)"
    )
    timezone: str = Field("Asia/Shanghai", description="zone of times given without an offset")
    rules_file: Path | None = Field(None, description="detection rules; default: packaged")
    threads: int = Field(2, ge=1, description="DuckDB worker threads")
    memory_limit: str = Field("8GB", description="DuckDB memory limit")

    @model_validator(mode="after")
    def _refuse_dev_secrets_in_production(self) -> Settings:
        if self.environment == "production" and self.pseudonym_key == DEV_PSEUDONYM_KEY:
            raise ConfigError("FANZHA_PSEUDONYM_KEY must be set to a secret in production")
        return self

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
