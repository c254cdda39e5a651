"""Parameters of a simulation run and the summary it returns."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

from fanzha.errors import ConfigError

GENERATOR_VERSION = "fanzha-sim/1.0"
CHUNK_PERSONS = 50_000  # persons per generation chunk (fixed: part of the determinism contract)
REFERENCE_RESIDENTS = 800_000  # the calibration city; volumes scale linearly from it
US_PER_S = 1_000_000
US_PER_DAY = 86_400 * US_PER_S
EPOCH = dt.datetime(1970, 1, 1)


@dataclass(frozen=True)
class SimConfig:
    """What to simulate. Defaults reproduce the calibration city (see ``docs/simulator.md``)."""

    residents: int = REFERENCE_RESIDENTS
    days: int = 1
    seed: int = 1
    start: dt.date = dt.date(2026, 11, 1)
    format: Literal["parquet", "csv"] = "parquet"
    blacklist_coverage: float = 0.3
    lead_coverage: float = 0.4
    csv_encoding: Literal["utf-8", "gbk"] = "utf-8"
    # scales victim journeys (and cold contacts by its square root); tests and demos use > 1
    fraud_multiplier: float = 1.0

    def __post_init__(self) -> None:
        if self.residents < 100:
            raise ConfigError("a city needs at least 100 residents", residents=self.residents)
        if not 1 <= self.days <= 366:
            raise ConfigError("days must be between 1 and 366", days=self.days)
        for name in ("blacklist_coverage", "lead_coverage"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ConfigError(f"{name} must be between 0 and 1", value=getattr(self, name))
        if self.fraud_multiplier <= 0:
            raise ConfigError("fraud_multiplier must be positive")
        if self.format not in ("parquet", "csv"):
            raise ConfigError("format must be parquet or csv", format=self.format)
        if self.csv_encoding not in ("utf-8", "gbk"):
            raise ConfigError("csv_encoding must be utf-8 or gbk", encoding=self.csv_encoding)

    @property
    def scale(self) -> float:
        """Size of this city relative to the calibration city."""
        return self.residents / REFERENCE_RESIDENTS

    @property
    def start_us(self) -> int:
        """Window start as microseconds since 1970-01-01 (naive local time)."""
        moment = dt.datetime.combine(self.start, dt.time())
        return (moment - EPOCH) // dt.timedelta(microseconds=1)

    @property
    def end_us(self) -> int:
        """Window end (exclusive)."""
        return self.start_us + self.days * US_PER_DAY

    def to_dict(self) -> dict[str, object]:
        """JSON-ready parameters, for the manifest."""
        data = asdict(self)
        data["start"] = self.start.isoformat()
        return data


@dataclass
class SimSummary:
    """What a run wrote."""

    out: Path
    rows: dict[str, int] = field(default_factory=dict)
    ground_truth_rows: dict[str, int] = field(default_factory=dict)
    stages: dict[str, int] = field(default_factory=dict)
    would_lose: int = 0
    operations: int = 0
    seconds: float = 0.0

    @property
    def events(self) -> int:
        """Number of event rows (calls, SMS, visits, app events, transfers)."""
        kinds = ("calls", "sms", "url_visits", "app_events", "transfers")
        return sum(self.rows.get(k, 0) for k in kinds)


def format_time(us: int) -> str:
    """``YYYY-MM-DD HH:MM:SS`` of a microsecond timestamp."""
    return (EPOCH + dt.timedelta(microseconds=us)).strftime("%Y-%m-%d %H:%M:%S")
