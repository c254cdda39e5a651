"""The data formats: what each kind of input file holds and what the store keeps.

This module is the contract between the simulator (which writes these files), ingestion
(which reads, validates and normalises them) and detection (which queries the stored form).
``docs/data-formats.md`` describes the same in prose, with an example file per kind.

Column types of *input* files:

``phone``     any written phone form (see :mod:`fanzha.core.phone`); stored as BIGINT key.
              In Parquet an integer column is taken as the key itself (E.164 digits).
``id_number`` 18-digit ID number; validated and replaced by a keyed pseudonym (never stored raw).
``time``      ISO 8601 / ``YYYY-MM-DD HH:MM[:SS]`` / ``YYYY/MM/DD HH:MM[:SS]``; a time without an
              offset is in the centre's zone (Asia/Shanghai). Stored as naive local TIMESTAMP.
``date``      ``YYYY-MM-DD``.
``int``, ``float``, ``text``, ``enum`` (one of ``choices``), ``url``, ``account``, ``package``.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Column:
    """One column of an input file."""

    name: str
    type: str
    required: bool = True
    description: str = ""
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Kind:
    """One kind of input file (residents, calls, …)."""

    name: str
    columns: tuple[Column, ...]
    time_column: str | None = None  # events are partitioned by the day of this column
    key: tuple[str, ...] = ()  # stored columns that identify a row; empty = all columns
    description: str = ""
    aliases: dict[str, str] = field(default_factory=dict)  # header alias -> column name

    @property
    def is_event(self) -> bool:
        """Events are large and partitioned by day; the others are small tables."""
        return self.time_column is not None

    def column(self, name: str) -> Column:
        """Look up a column by name."""
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)


GENDERS = ("M", "F")
OCCUPATIONS = (
    "student",
    "retiree",
    "finance",
    "office",
    "worker",
    "farmer",
    "merchant",
    "unemployed",
    "it",
    "teacher",
    "medical",
    "other",
)
APP_EVENTS = ("install", "uninstall", "open")
TRANSFER_CHANNELS = ("bank", "mobile_bank", "alipay", "wechat", "atm_withdrawal", "counter")
INDICATOR_KINDS = ("phone", "url", "domain", "app", "account")

RESIDENTS = Kind(
    "residents",
    (
        Column("phone", "phone", description="the resident's phone number"),
        Column("id_number", "id_number", description="18-digit ID, pseudonymised on ingest"),
        Column("birth_year", "int", description="year of birth (1900–this year)"),
        Column("gender", "enum", choices=GENDERS),
        Column("occupation", "enum", choices=OCCUPATIONS, description="occupation group"),
        Column("community", "text", description="community/village code (see jurisdictions)"),
    ),
    key=("resident_id", "phone"),
    description="the resident registry: one row per resident phone",
)

JURISDICTIONS = Kind(
    "jurisdictions",
    (
        Column("community", "text", description="community/village code"),
        Column("community_name", "text", required=False),
        Column("station", "text", description="police station code"),
        Column("station_name", "text", required=False),
    ),
    key=("community",),
    description="which police station owns each community",
)

CALLS = Kind(
    "calls",
    (
        Column("caller", "phone"),
        Column("callee", "phone"),
        Column("start", "time"),
        Column("duration_s", "int", description="seconds talked; 0 = not answered"),
        Column("imei", "text", required=False, description="caller's device IMEI"),
        Column("cell", "text", required=False, description="caller's cell id"),
    ),
    time_column="start",
    description="call detail records",
)

SMS = Kind(
    "sms",
    (
        Column("sender", "phone"),
        Column("receiver", "phone"),
        Column("time", "time"),
        Column("text", "text", required=False, description="message text, when available"),
    ),
    time_column="time",
    description="text messages",
)

URL_VISITS = Kind(
    "url_visits",
    (Column("phone", "phone"), Column("time", "time"), Column("url", "url")),
    time_column="time",
    description="web visits (the host is extracted and kept lower-case)",
)

APP_EVENTS_KIND = Kind(
    "app_events",
    (
        Column("phone", "phone"),
        Column("time", "time"),
        Column("package", "package", description="app package name, e.g. com.example.app"),
        Column("event", "enum", choices=APP_EVENTS),
    ),
    time_column="time",
    description="app installs, uninstalls and opens",
)

TRANSFERS = Kind(
    "transfers",
    (
        Column("payer_phone", "phone", required=False),
        Column("payer_account", "account"),
        Column("payee_account", "account", required=False, description="empty for withdrawals"),
        Column("amount", "float", description="yuan, > 0"),
        Column("time", "time"),
        Column("channel", "enum", choices=TRANSFER_CHANNELS),
    ),
    time_column="time",
    description="bank and payment transfers and cash withdrawals",
)

INDICATORS = Kind(
    "indicators",
    (
        Column("kind", "enum", choices=INDICATOR_KINDS),
        Column("value", "text", description="phone, URL, domain, app package or account"),
        Column("fraud_type", "fraud_type", required=False),
        Column("source", "text", description="who listed it"),
        Column("confidence", "float", required=False, description="0–1, default 1"),
        Column("valid_from", "time", required=False),
        Column("valid_to", "time", required=False),
    ),
    key=("kind", "value", "source"),
    description="blacklists: fraud numbers, URLs, domains, apps and accounts",
)

LEADS = Kind(
    "leads",
    (
        Column("phone", "phone", required=False),
        Column("id_number", "id_number", required=False),
        Column("fraud_type", "fraud_type", required=False),
        Column("level", "level"),
        Column("source_unit", "text", description="issuing unit, e.g. 省反诈中心"),
        Column("instruction_no", "text", description="instruction number"),
        Column("time", "time"),
        Column("narrative", "text", required=False),
    ),
    key=("source_unit", "instruction_no"),
    description="upstream warning leads (预警指令); phone or id_number must be present",
)

KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        RESIDENTS,
        JURISDICTIONS,
        CALLS,
        SMS,
        URL_VISITS,
        APP_EVENTS_KIND,
        TRANSFERS,
        INDICATORS,
        LEADS,
    )
}

# Stored forms (what detection queries). Phone columns become BIGINT keys, times naive
# local TIMESTAMP, id_number becomes resident_id / id_hash, url gains host.
STORED_COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "residents": (
        ("resident_id", "VARCHAR"),
        ("phone", "BIGINT"),
        ("birth_year", "SMALLINT"),
        ("gender", "VARCHAR"),
        ("occupation", "VARCHAR"),
        ("community", "VARCHAR"),
    ),
    "jurisdictions": (
        ("community", "VARCHAR"),
        ("community_name", "VARCHAR"),
        ("station", "VARCHAR"),
        ("station_name", "VARCHAR"),
    ),
    "calls": (
        ("caller", "BIGINT"),
        ("callee", "BIGINT"),
        ("start", "TIMESTAMP"),
        ("duration_s", "INTEGER"),
        ("imei", "VARCHAR"),
        ("cell", "VARCHAR"),
    ),
    "sms": (
        ("sender", "BIGINT"),
        ("receiver", "BIGINT"),
        ("time", "TIMESTAMP"),
        ("text", "VARCHAR"),
    ),
    "url_visits": (
        ("phone", "BIGINT"),
        ("time", "TIMESTAMP"),
        ("url", "VARCHAR"),
        ("host", "VARCHAR"),
    ),
    "app_events": (
        ("phone", "BIGINT"),
        ("time", "TIMESTAMP"),
        ("package", "VARCHAR"),
        ("event", "VARCHAR"),
    ),
    "transfers": (
        ("payer_phone", "BIGINT"),
        ("payer_account", "VARCHAR"),
        ("payee_account", "VARCHAR"),
        ("amount", "DOUBLE"),
        ("time", "TIMESTAMP"),
        ("channel", "VARCHAR"),
    ),
    "indicators": (
        ("kind", "VARCHAR"),
        ("value", "VARCHAR"),
        ("phone", "BIGINT"),
        ("fraud_type", "VARCHAR"),
        ("source", "VARCHAR"),
        ("confidence", "DOUBLE"),
        ("valid_from", "TIMESTAMP"),
        ("valid_to", "TIMESTAMP"),
    ),
    "leads": (
        ("phone", "BIGINT"),
        ("id_hash", "VARCHAR"),
        ("fraud_type", "VARCHAR"),
        ("level", "SMALLINT"),
        ("source_unit", "VARCHAR"),
        ("instruction_no", "VARCHAR"),
        ("time", "TIMESTAMP"),
        ("narrative", "VARCHAR"),
    ),
}
