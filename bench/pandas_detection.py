"""The detection definition re-implemented in plain pandas: the baseline of the benchmark.

This is the same detection as :mod:`fanzha.detection.plan` (base signals of
:mod:`fanzha.detection.signals`, helper tables, over-reaching blacklist entries, combinations,
decayed episode scoring and warnings of :mod:`fanzha.detection.scoring`), written the way an
analyst would in pandas: the store's Parquet files read with pyarrow into DataFrames, then
vectorised filters, merges and group-bys. No DuckDB, no SQL. Every weight, window and threshold
comes from the :class:`~fanzha.detection.rules.model.Rules` object.

Numeric literals of the rules enter the SQL plan as DECIMAL literals; where that matters for a
comparison (``max_callback_ratio * callees``, the over-reach cap, ``per_minute * seconds``) the
same exact decimal arithmetic is done here with :class:`fractions.Fraction`, so the two engines
agree on every threshold.

``detect_pandas(store, rules, text_verdicts)`` returns the warnings with the columns of
``plan.warnings``; ``tests/integration/test_pandas_baseline.py`` checks it against DuckDB.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from fanzha.core.schemas import STORED_COLUMNS
from fanzha.detection.plan import BLACKLIST_KINDS
from fanzha.detection.rules.model import Combo, Rules, SignalRule
from fanzha.detection.signals import HOST_PATTERN, SIGNAL_COLUMNS
from fanzha.detection.sqlparts import num
from fanzha.store.event_store import DERIVED_COLUMNS, EventStore

WARNING_COLUMNS = (
    "resident_id",
    "episode",
    "episode_start",
    "warned_at",
    "last_signal_at",
    "level",
    "level1_at",
    "level2_at",
    "level3_at",
    "level4_at",
    "score",
    "n_signals",
    "fraud_type",
    "phone",
    "community",
    "station",
)
_ARROW = {
    "VARCHAR": pa.string(),
    "BIGINT": pa.int64(),
    "INTEGER": pa.int32(),
    "SMALLINT": pa.int16(),
    "DOUBLE": pa.float64(),
    "TIMESTAMP": pa.timestamp("us"),
}
_NULLABLE_INTS = {
    pa.int64(): pd.Int64Dtype(),
    pa.int32(): pd.Int32Dtype(),
    pa.int16(): pd.Int16Dtype(),
}
_SIGNAL_DTYPES = {
    "resident_id": "str",
    "phone": "Int64",
    "id_hash": "str",
    "t": "datetime64[us]",
    "kind": "str",
    "weight": "float64",
    "level_floor": "Int64",
    "fraud_type": "str",
    "counterpart": "Int64",
    "detail": "str",
    "source": "str",
    "indicator": "str",
}
_VIRTUAL_PREFIXES = (86162, 86165, 86167, 86170, 86171)
_POW10 = np.array([10**k for k in range(19)], dtype=np.int64)


# ----------------------------------------------------------------------------------- reading
def read_kind(store: EventStore, kind: str, columns: list[str] | None = None) -> pd.DataFrame:
    """All rows of a stored kind as a DataFrame, typed like the store's DuckDB views.

    Files are unioned by column name (a column missing from a file reads as null); integers
    become nullable pandas integers so phone keys stay exact.
    """
    spec = {**STORED_COLUMNS, **DERIVED_COLUMNS}[kind]
    wanted = [(n, t) for n, t in spec if columns is None or n in columns]
    schema = pa.schema([(n, _ARROW[t]) for n, t in wanted])
    tables = []
    for path in store.files(kind):
        present = set(pq.read_schema(path).names)
        table = pq.read_table(path, columns=[n for n, _ in wanted if n in present])
        arrays = [
            table[n].cast(schema.field(n).type)
            if n in present
            else pa.nulls(table.num_rows, schema.field(n).type)
            for n, _ in wanted
        ]
        tables.append(pa.Table.from_arrays(arrays, schema=schema))
    table = pa.concat_tables(tables) if tables else schema.empty_table()
    return table.to_pandas(types_mapper=_NULLABLE_INTS.get, self_destruct=True)


def _ints(values: pd.Series) -> np.ndarray:
    """A nullable integer column as int64 (nulls as 0) for arithmetic."""
    return values.to_numpy(dtype=np.int64, na_value=0)


def _decimal(value: float) -> Fraction:
    """The exact value of a rules number as the SQL plan writes it (a DECIMAL literal)."""
    return Fraction(num(value))


def _call_end(m: pd.DataFrame) -> pd.Series:
    """When a call's signal is known: at its end, as ``detection.signals.CALL_END``."""
    return m["start"] + pd.to_timedelta(m["duration_s"], unit="s")


def unusual_range(phones: pd.Series) -> np.ndarray:
    """International (digits not starting with 86) or virtual-operator range, as in SQL."""
    x = _ints(phones)
    known = phones.notna().to_numpy()
    digits = np.searchsorted(_POW10, np.maximum(x, 0), side="right")
    lead2 = np.where(x >= 10, x // _POW10[np.maximum(digits - 2, 0)], -1)
    international = lead2 != 86
    virtual = np.isin(x // 100_000_000, _VIRTUAL_PREFIXES) & (
        (x >= 8610000000000) & (x <= 8619999999999)
    )
    return known & (international | virtual)


def _valid_at(frame: pd.DataFrame, time_col: str) -> pd.Series:
    """Indicator rows (``valid_from``/``valid_to``) valid at ``time_col``."""
    at = frame[time_col]
    return (frame["valid_from"].isna() | (frame["valid_from"] <= at)) & (
        frame["valid_to"].isna() | (at <= frame["valid_to"])
    )


def _capped(rule: SignalRule, seconds: pd.Series) -> np.ndarray:
    """``least(max_weight, weight + per_minute * seconds / 60.0)`` with SQL's decimal product."""
    per_minute = _decimal(rule.per_minute)
    talked = (per_minute.numerator * _ints(seconds)).astype(np.float64) / float(
        per_minute.denominator
    )
    weight = float(rule.weight) + talked / 60.0
    if rule.max_weight is not None:
        weight = np.minimum(float(rule.max_weight), weight)
    return np.asarray(weight, dtype=np.float64)


def _round_text(values: pd.Series, digits: int) -> pd.Series:
    """``CAST(round(x, digits) AS VARCHAR)``: DuckDB rounds half away from zero."""
    scale = 10.0**digits
    x = values.to_numpy(dtype=np.float64)
    rounded = np.sign(x) * np.floor(np.abs(x) * scale + 0.5) / scale + 0.0
    return pd.Series(rounded, index=values.index).astype("str")


def _signal(frame: pd.DataFrame, **columns: Any) -> pd.DataFrame:
    """A signal table: the columns of ``SIGNAL_COLUMNS``, each a scalar, an array or null."""
    n = len(frame)
    data: dict[str, Any] = {}
    for name in SIGNAL_COLUMNS:
        value = columns.get(name)
        dtype = _SIGNAL_DTYPES[name]
        if isinstance(value, pd.Series):
            data[name] = value.reset_index(drop=True).astype(dtype)
        elif isinstance(value, np.ndarray):
            data[name] = pd.Series(value).astype(dtype)
        else:  # a scalar or None, the same on every row
            data[name] = pd.Series(value, index=pd.RangeIndex(n), dtype=dtype)
    return pd.DataFrame(data)


# ---------------------------------------------------------------------------- helper tables
def best_indicators(indicators: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """One row per blacklist key and kind: the most confident entry (ties: source, type)."""
    keys = {
        "phone": indicators["phone"],
        "domain": indicators["value"].str.lower(),
        "url": indicators["value"]
        .str.lower()
        .str.replace(r"^https?://", "", regex=True, n=1)
        .str.rstrip("/"),
        "app": indicators["value"],
        "account": indicators["value"],
    }
    best = {}
    for kind, key in keys.items():
        rows = indicators.assign(key=key)[indicators["kind"] == kind]
        rows = rows[rows["key"].notna()].sort_values(
            ["key", "confidence", "source", "fraud_type"],
            ascending=[True, False, True, True],
            na_position="last",
            kind="stable",
        )
        best[kind] = rows.drop_duplicates("key")[
            ["key", "confidence", "fraud_type", "source", "valid_from", "valid_to"]
        ].reset_index(drop=True)
    return best


def pair_first(calls: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """First long call between an unusual-range number and each counterpart."""
    long = calls[calls["duration_s"] >= rules.signal("suspicious_call").min_duration_s]
    out = long.loc[unusual_range(long["caller"]), ["caller", "callee", "start"]]
    back = long.loc[unusual_range(long["callee"]), ["callee", "caller", "start"]]
    back.columns = pd.Index(["caller", "callee", "start"])
    both = pd.concat([out, back], ignore_index=True)
    return (
        both.groupby(["caller", "callee"], sort=False)["start"]
        .min()
        .rename("first_start")
        .reset_index()
    )


def behaviour_numbers(calls: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """Numbers calling many distinct people, rarely called back, on SIM boxes or odd ranges."""
    b = rules.behaviour_number
    pairs = calls[["caller", "callee"]].dropna().drop_duplicates()
    callees = pairs.groupby("caller").size()
    outgoing = callees[callees >= b.min_distinct_callees].rename("callees")
    mine = pairs[pairs["caller"].isin(outgoing.index)]
    towards = pairs[pairs["callee"].isin(outgoing.index)]
    answered = mine.merge(
        towards.rename(columns={"caller": "callee", "callee": "caller"}),
        on=["caller", "callee"],
    )
    called_back = answered.groupby("caller").size().rename("called_back")
    devices = calls.loc[
        calls["caller"].isin(outgoing.index) & calls["imei"].notna(), ["caller", "imei"]
    ].drop_duplicates()
    on_device = calls.loc[calls["imei"].isin(devices["imei"]), ["imei", "caller"]]
    per_imei = on_device.drop_duplicates().groupby("imei").size().rename("n")
    sims = devices.merge(per_imei, left_on="imei", right_index=True).groupby("caller")["n"].max()
    found = outgoing.to_frame()
    found["called_back"] = called_back.reindex(found.index).fillna(0).astype(np.int64)
    found["sims"] = sims.reindex(found.index).fillna(1).astype(np.int64)
    found = found.rename_axis("phone").reset_index()
    ratio = _decimal(b.max_callback_ratio)
    rarely_back = found["called_back"].to_numpy(np.int64) * ratio.denominator <= (
        ratio.numerator * found["callees"].to_numpy(np.int64)
    )
    odd = (found["sims"] >= b.min_sims_per_imei).to_numpy()
    odd = odd | (unusual_range(found["phone"]) if b.require_simbox_or_range else True)
    found = found[rarely_back & odd].reset_index(drop=True)
    found["fraud_type"] = pd.Series([None] * len(found), dtype="str")
    found["score"] = 1.0
    return found[["phone", "fraud_type", "callees", "called_back", "sims", "score"]]


# ------------------------------------------------------------------------------ base signals
def _domain_matches(hosts: pd.Series, domains: pd.DataFrame) -> pd.DataFrame:
    """For distinct hosts: blacklisted domains matched exactly or as 2- or 3-label suffix."""
    frame = pd.DataFrame({"host": hosts.dropna().unique()}, dtype="str")
    frame["last2"] = frame["host"].str.extract(r"([^.]+\.[^.]+)$", expand=False).fillna("")
    frame["last3"] = frame["host"].str.extract(r"([^.]+\.[^.]+\.[^.]+)$", expand=False).fillna("")
    exact = frame.merge(domains, left_on="host", right_on="key")
    by2 = frame.merge(domains, left_on="last2", right_on="key")
    by2 = by2[by2["key"] != by2["host"]]
    by3 = frame.merge(domains, left_on="last3", right_on="key")
    by3 = by3[(by3["key"] != by3["host"]) & (by3["key"] != by3["last2"])]
    found = pd.concat([exact, by2, by3], ignore_index=True)
    return found.drop(columns=["last2", "last3"]).rename(columns={"key": "domain"})


def indicator_call(calls: pd.DataFrame, ind: dict[str, pd.DataFrame], rules: Rules) -> list[Any]:
    """Calls in either direction with a blacklisted number, weighted by duration."""
    r = rules.signal("indicator_call")
    answered = calls[calls["duration_s"] >= r.min_duration_s]
    long_call = r.long_call_s or 10**9
    parts = []
    for me, other in (("callee", "caller"), ("caller", "callee")):
        m = answered[answered[other].isin(ind["phone"]["key"])].merge(
            ind["phone"], left_on=other, right_on="key"
        )
        m = m[_valid_at(m, "start")]
        parts.append(
            _signal(
                m,
                phone=m[me],
                t=_call_end(m),
                kind="indicator_call",
                weight=_capped(r, m["duration_s"]) * m["confidence"].to_numpy(),
                level_floor=np.where(m["duration_s"] >= long_call, r.long_call_level, 0),
                fraud_type=m["fraud_type"],
                counterpart=m[other],
                source=m["source"],
                indicator=m["key"].astype("str"),
                detail="duration_s=" + m["duration_s"].astype("str"),
            )
        )
    return parts


def indicator_sms(sms: pd.DataFrame, ind: dict[str, pd.DataFrame], rules: Rules) -> pd.DataFrame:
    """SMS received from a blacklisted number."""
    r = rules.signal("indicator_sms")
    m = sms[sms["sender"].isin(ind["phone"]["key"])].merge(
        ind["phone"], left_on="sender", right_on="key"
    )
    m = m[_valid_at(m, "time")]
    return _signal(
        m,
        phone=m["receiver"],
        t=m["time"],
        kind="indicator_sms",
        weight=float(r.weight) * m["confidence"].to_numpy(),
        level_floor=0,
        fraud_type=m["fraud_type"],
        counterpart=m["sender"],
        source=m["source"],
        indicator=m["key"].astype("str"),
        detail="sms",
    )


def text_hosts(sms: pd.DataFrame) -> pd.DataFrame:
    """(text, host) for every host occurrence in the distinct SMS texts (lower-cased)."""
    texts = pd.Series(sms["text"].dropna().unique(), dtype="str")
    found = texts.str.lower().str.findall(HOST_PATTERN)
    return pd.DataFrame({"text": texts, "host": found}).explode("host").dropna(subset=["host"])


def sms_link(
    sms: pd.DataFrame, hosts: pd.DataFrame, ind: dict[str, pd.DataFrame], rules: Rules
) -> pd.DataFrame:
    """SMS whose text links to a blacklisted domain or its subdomains (every occurrence)."""
    r = rules.signal("sms_link")
    matches = _domain_matches(hosts["host"], ind["domain"])
    linked = hosts[hosts["host"].isin(matches["host"])]
    m = sms[sms["text"].isin(linked["text"])].merge(linked, on="text").merge(matches, on="host")
    m = m[_valid_at(m, "time")]
    return _signal(
        m,
        phone=m["receiver"],
        t=m["time"],
        kind="sms_link",
        weight=float(r.weight) * m["confidence"].to_numpy(),
        level_floor=0,
        fraud_type=m["fraud_type"],
        counterpart=m["sender"],
        source=m["source"],
        indicator=m["domain"],
        detail="host=" + m["host"].astype("str"),
    )


def _scam_texts(verdicts: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """Verdicts judging a text a scam, at the scam_text_sms threshold."""
    r = rules.signal("scam_text_sms")
    return verdicts[(verdicts["label"] != "正常") & (verdicts["fraud_score"] >= r.min_fraud_score)]


def scam_text_sms(sms: pd.DataFrame, verdicts: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """SMS whose text the text scorer judges to be a scam."""
    r = rules.signal("scam_text_sms")
    scam = _scam_texts(verdicts, rules)
    m = sms[sms["text"].isin(scam["text"])].merge(scam, on="text")
    return _signal(
        m,
        phone=m["receiver"],
        t=m["time"],
        kind="scam_text_sms",
        weight=float(r.weight) * m["fraud_score"].to_numpy(),
        level_floor=0,
        fraud_type=m["label"],
        counterpart=m["sender"],
        source="text-scorer",
        detail="score=" + _round_text(m["fraud_score"], 3),
    )


def indicator_url(
    visits: pd.DataFrame, ind: dict[str, pd.DataFrame], rules: Rules
) -> list[pd.DataFrame]:
    """Visits (at most one per resident, host and hour) to blacklisted domains or URLs."""
    r = rules.signal("indicator_url")
    matches = _domain_matches(visits["host"], ind["domain"])
    hits = visits[visits["host"].isin(matches["host"])]
    hourly = (
        hits.assign(hour=hits["time"].dt.floor("h"))
        .groupby(["phone", "host", "hour"], sort=False)
        .agg(time=("time", "min"), url=("url", "min"))
        .reset_index()
    )
    m = hourly.merge(matches, on="host")
    m = m[_valid_at(m, "time")]
    by_domain = _signal(
        m,
        phone=m["phone"],
        t=m["time"],
        kind="indicator_url",
        weight=float(r.weight) * m["confidence"].to_numpy(),
        level_floor=0,
        fraud_type=m["fraud_type"],
        source=m["source"],
        indicator=m["domain"],
        detail="host=" + m["host"].astype("str"),
    )
    keys = visits["url"].str.lower().str.replace(r"^https?://", "", regex=True, n=1)
    keys = keys.str.rstrip("/")
    wanted = keys.isin(ind["url"]["key"])
    u = visits.loc[wanted, ["phone", "time"]].assign(key=keys[wanted]).merge(ind["url"], on="key")
    u = u[_valid_at(u, "time")]
    by_url = _signal(
        u,
        phone=u["phone"],
        t=u["time"],
        kind="indicator_url",
        weight=float(r.weight) * u["confidence"].to_numpy(),
        level_floor=0,
        fraud_type=u["fraud_type"],
        source=u["source"],
        indicator=u["key"],
        detail="url=" + u["key"].astype("str"),
    )
    return [by_domain, by_url]


def scam_links(
    sms: pd.DataFrame, hosts: pd.DataFrame, verdicts: pd.DataFrame, rules: Rules
) -> pd.DataFrame:
    """(receiver, host, sent): hosts linked by scam-judged SMS, first time per receiver."""
    scam_hosts = hosts[hosts["text"].isin(_scam_texts(verdicts, rules)["text"])]
    received = sms.loc[sms["text"].isin(scam_hosts["text"]), ["receiver", "time", "text"]]
    links = received.merge(scam_hosts, on="text")
    return (
        links.groupby(["receiver", "host"], sort=False)["time"]
        .min()
        .rename("sent")
        .reset_index()
        .rename(columns={"receiver": "phone"})
    )


def scam_link_visit(visits: pd.DataFrame, links: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """Visits (one per resident, host and hour) to a host a scam SMS sent them linked to."""
    r = rules.signal("scam_link_visit")
    hits = visits[["phone", "host", "time"]].merge(links[["phone", "host"]].drop_duplicates())
    hourly = (
        hits.assign(hour=hits["time"].dt.floor("h"))
        .groupby(["phone", "host", "hour"], sort=False)["time"]
        .min()
        .reset_index()
    )
    m = hourly.merge(links, on=["phone", "host"])
    m = m[m["time"] >= m["sent"]]
    return _signal(
        m,
        phone=m["phone"],
        t=m["time"],
        kind="scam_link_visit",
        weight=float(r.weight),
        level_floor=0,
        source="text-scorer",
        detail="host=" + m["host"].astype("str"),
    )


def indicator_app(apps: pd.DataFrame, ind: dict[str, pd.DataFrame], rules: Rules) -> pd.DataFrame:
    """First install or use of a blacklisted app per resident and package."""
    r = rules.signal("indicator_app")
    used = apps[apps["event"].isin(["install", "open"]) & apps["package"].isin(ind["app"]["key"])]
    first = used.groupby(["phone", "package"], sort=False)["time"].min().reset_index()
    m = first.merge(ind["app"], left_on="package", right_on="key")
    m = m[_valid_at(m, "time")]
    return _signal(
        m,
        phone=m["phone"],
        t=m["time"],
        kind="indicator_app",
        weight=float(r.weight) * m["confidence"].to_numpy(),
        level_floor=r.level_floor,
        fraud_type=m["fraud_type"],
        source=m["source"],
        indicator=m["key"],
        detail="package=" + m["package"].astype("str"),
    )


def indicator_account(
    transfers: pd.DataFrame, ind: dict[str, pd.DataFrame], rules: Rules
) -> pd.DataFrame:
    """Transfers to a blacklisted account."""
    r = rules.signal("indicator_account")
    paid = transfers[
        transfers["payer_phone"].notna() & transfers["payee_account"].isin(ind["account"]["key"])
    ]
    m = paid.merge(ind["account"], left_on="payee_account", right_on="key")
    m = m[_valid_at(m, "time")]
    return _signal(
        m,
        phone=m["payer_phone"],
        t=m["time"],
        kind="indicator_account",
        weight=float(r.weight) * m["confidence"].to_numpy(),
        level_floor=r.level_floor,
        fraud_type=m["fraud_type"],
        source=m["source"],
        indicator=m["key"],
        detail="amount=" + _round_text(m["amount"], 2),
    )


def upstream_lead(leads: pd.DataFrame, verdicts: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """Leads from the upstream chain, with their own level as the floor."""
    r = rules.signal("upstream_lead")
    m = leads.merge(verdicts, left_on="narrative", right_on="text", how="left")
    narrative_type = m["label"].where(m["label"].notna() & (m["label"] != "正常"))
    return _signal(
        m,
        phone=m["phone"],
        id_hash=m["id_hash"],
        t=m["time"],
        kind="upstream_lead",
        weight=float(r.weight),
        level_floor=m["level"],
        fraud_type=m["fraud_type"].fillna(narrative_type),
        source=m["source_unit"],
        detail="instruction=" + m["instruction_no"],
    )


def suspicious_call(calls: pd.DataFrame, first: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """Long calls from unusual-range numbers the resident had not talked to before."""
    r = rules.signal("suspicious_call")
    long = calls[calls["duration_s"] >= r.min_duration_s]
    long = long[unusual_range(long["caller"])]
    m = long.merge(first, on=["caller", "callee"])
    m = m[m["start"] == m["first_start"]]
    return _signal(
        m,
        phone=m["callee"],
        t=_call_end(m),
        kind="suspicious_call",
        weight=_capped(r, m["duration_s"]),
        level_floor=0,
        counterpart=m["caller"],
        source="behaviour",
        detail="duration_s=" + m["duration_s"].astype("str"),
    )


def number_call(
    calls: pd.DataFrame, numbers: pd.DataFrame, rules: Rules, kind: str, table: str
) -> list[pd.DataFrame]:
    """Calls in either direction with a listed number (behaviour or model)."""
    r = rules.signal(kind)
    answered = calls[calls["duration_s"] >= r.min_duration_s]
    listed = numbers[["phone", "score", "fraud_type"]].rename(columns={"phone": "key"})
    parts = []
    for me, other in (("callee", "caller"), ("caller", "callee")):
        m = answered[answered[other].isin(listed["key"])].merge(
            listed, left_on=other, right_on="key"
        )
        parts.append(
            _signal(
                m,
                phone=m[me],
                t=_call_end(m),
                kind=kind,
                weight=_capped(r, m["duration_s"]) * m["score"].to_numpy(dtype=np.float64),
                level_floor=0,
                fraud_type=m["fraud_type"],
                counterpart=m[other],
                source=table,
                detail="duration_s=" + m["duration_s"].astype("str"),
            )
        )
    return parts


def remote_app_install(apps: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """Installs of remote-control or screen-sharing apps."""
    r = rules.signal("remote_app_install")
    m = apps[(apps["event"] == "install") & apps["package"].isin(list(r.packages))]
    return _signal(
        m,
        phone=m["phone"],
        t=m["time"],
        kind="remote_app_install",
        weight=float(r.weight),
        level_floor=0,
        source="behaviour",
        detail="package=" + m["package"].astype("str"),
    )


def new_payee_transfer(transfers: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """The first transfer from an account to a payee it never paid before."""
    r = rules.signal("new_payee_transfer")
    paid = transfers[transfers["payee_account"].notna() & transfers["payer_phone"].notna()]
    first = paid.sort_values(
        ["payer_account", "payee_account", "time", "amount"], kind="stable"
    ).drop_duplicates(["payer_account", "payee_account"])
    m = first[first["amount"] >= r.min_amount]
    return _signal(
        m,
        phone=m["payer_phone"],
        t=m["time"],
        kind="new_payee_transfer",
        weight=float(r.weight),
        level_floor=0,
        source="behaviour",
        detail="amount=" + _round_text(m["amount"], 2),
    )


def cash_withdrawal(transfers: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """Large cash withdrawals."""
    r = rules.signal("cash_withdrawal")
    m = transfers[
        (transfers["channel"] == "atm_withdrawal")
        & (transfers["amount"] >= r.min_amount)
        & transfers["payer_phone"].notna()
    ]
    return _signal(
        m,
        phone=m["payer_phone"],
        t=m["time"],
        kind="cash_withdrawal",
        weight=float(r.weight),
        level_floor=0,
        source="behaviour",
        detail="amount=" + _round_text(m["amount"], 2),
    )


# --------------------------------------------------------------------------- signal tables
def raw_signals(
    store: EventStore, rules: Rules, verdicts: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Every base signal resolved to a resident, the residents and the called-back numbers."""
    residents = read_kind(store, "residents", ["resident_id", "phone", "community"])
    ind = best_indicators(read_kind(store, "indicators"))
    parts: list[pd.DataFrame] = []

    calls = read_kind(store, "calls", ["caller", "callee", "start", "duration_s", "imei"])
    parts += indicator_call(calls, ind, rules)
    parts.append(suspicious_call(calls, pair_first(calls, rules), rules))
    parts += number_call(
        calls, behaviour_numbers(calls, rules), rules, "behaviour_number_call", "behaviour_numbers"
    )
    suspected = read_kind(store, "suspected_numbers")
    parts += number_call(calls, suspected, rules, "suspected_number_call", "suspected_numbers")
    called_back = called_back_doubtful(calls, ind, rules)
    del calls

    sms = read_kind(store, "sms")
    hosts = text_hosts(sms)
    parts += [indicator_sms(sms, ind, rules), sms_link(sms, hosts, ind, rules)]
    parts.append(scam_text_sms(sms, verdicts, rules))
    links = scam_links(sms, hosts, verdicts, rules)
    del sms, hosts

    visits = read_kind(store, "url_visits")
    parts += indicator_url(visits, ind, rules)
    parts.append(scam_link_visit(visits, links, rules))
    del visits

    apps = read_kind(store, "app_events")
    parts += [indicator_app(apps, ind, rules), remote_app_install(apps, rules)]
    del apps

    transfers = read_kind(store, "transfers")
    parts.append(indicator_account(transfers, ind, rules))
    parts += [new_payee_transfer(transfers, rules), cash_withdrawal(transfers, rules)]
    del transfers

    parts.append(upstream_lead(read_kind(store, "leads"), verdicts, rules))
    signals = pd.concat([p for p in parts if len(p)] or parts[:1], ignore_index=True)

    by_phone = residents.groupby("phone")["resident_id"].min()
    known_ids = pd.Index(residents["resident_id"].dropna().unique())
    lead_key = signals["id_hash"].fillna("N" + signals["phone"].astype("str"))
    resident = (
        signals["phone"]
        .map(by_phone)
        .astype("str")
        .fillna(signals["id_hash"].where(signals["id_hash"].isin(known_ids)))
        .fillna(lead_key.where(signals["kind"] == "upstream_lead"))
    )
    signals.insert(0, "resident_id", resident)
    signals = signals[signals["resident_id"].notna()].reset_index(drop=True)
    return signals.astype(_SIGNAL_DTYPES), residents, called_back


def reach_doubtful(raw: pd.DataFrame, residents: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """(kind, indicator) blacklist entries some day reached by implausibly many residents.

    Only kinds with a ``max_reach_per_100k_per_day`` are tested; the limit is
    ``greatest(doubtful_min_reach, cap * residents / 100000.0)``.
    """
    people = residents["resident_id"].nunique()
    floor = float(rules.scoring.doubtful_min_reach)
    limits = {
        kind: max(floor, float(_decimal(cap) * people) / 100000.0)
        for kind in BLACKLIST_KINDS
        if (cap := rules.signal(kind).max_reach_per_100k_per_day) is not None
    }
    listed = raw[raw["indicator"].notna() & raw["kind"].isin(list(limits))]
    daily = listed[["kind", "indicator", "resident_id"]].assign(day=listed["t"].dt.floor("D"))
    reach = daily.drop_duplicates().groupby(["kind", "indicator", "day"]).size()
    reach = reach.rename("reach").reset_index()
    over = reach[reach["reach"] > reach["kind"].map(limits).astype(np.float64)]
    return over[["kind", "indicator"]].drop_duplicates()


def called_back_doubtful(
    calls: pd.DataFrame, ind: dict[str, pd.DataFrame], rules: Rules
) -> pd.DataFrame:
    """(kind, indicator) for listed numbers that many of the people they call call back."""
    listed = ind["phone"]["key"]
    pairs = calls[["caller", "callee"]].dropna()
    calling = pairs[pairs["caller"].isin(listed)].drop_duplicates()
    callees = calling.groupby("caller").size().astype(np.float64)
    called = pairs[pairs["callee"].isin(listed)].drop_duplicates()
    callers = called.groupby("callee").size().reindex(callees.index).fillna(0)
    ratio = float(rules.signal("indicator_call").max_callback_ratio)
    # judged only once a number has called enough distinct people (as in the SQL plan)
    minimum = rules.signal("indicator_call").min_callees_for_callback
    doubtful = callees.index[(callees >= minimum) & (callers > ratio * callees)]
    phones = pd.Series(doubtful, dtype="Int64").astype("str")
    return pd.DataFrame(
        {
            "kind": np.repeat(["indicator_call", "indicator_sms"], len(phones)),
            "indicator": pd.concat([phones, phones], ignore_index=True),
        }
    )


def clean_signals(raw: pd.DataFrame, doubtful: pd.DataFrame) -> pd.DataFrame:
    """Raw signals less the matches of doubtful blacklist entries."""
    pairs = pd.MultiIndex.from_frame(doubtful[["kind", "indicator"]].astype("str"))
    set_aside = pd.MultiIndex.from_frame(raw[["kind", "indicator"]]).isin(pairs)
    return raw[~set_aside].reset_index(drop=True)


def combo_signals(sources: pd.DataFrame, rules: Rules, combo: Combo) -> pd.DataFrame:
    """``combo.then`` signals preceded within the window by one of ``combo.after``."""
    keys = ["resident_id", "phone", "id_hash", "t", "detail", "source"]
    then = sources.loc[sources["kind"] == combo.then, keys]
    after = sources.loc[
        sources["kind"].isin(rules.expand_after(combo))
        & (sources["weight"] >= combo.min_after_weight),
        ["resident_id", "t", "fraud_type", "counterpart", "kind", "indicator"],
    ]
    after = after[after["resident_id"].isin(then["resident_id"])]
    m = then.merge(after, on="resident_id", suffixes=("", "_a"))
    window = pd.Timedelta(minutes=combo.within_minutes)
    m = m[(m["t_a"] <= m["t"]) & (m["t_a"] >= m["t"] - window)]
    # max_by(x, a.t): the value at the latest preceding signal (nulls skipped, like DuckDB)
    latest = (
        m.sort_values("t_a", kind="stable")
        .groupby(keys, dropna=False, sort=False)[["fraud_type", "counterpart", "kind", "indicator"]]
        .last()
        .reset_index()
    )
    return _signal(
        latest,
        phone=latest["phone"],
        id_hash=latest["id_hash"],
        t=latest["t"],
        kind=combo.id,
        weight=float(combo.weight),
        level_floor=combo.level_floor,
        fraud_type=latest["fraud_type"],
        counterpart=latest["counterpart"],
        detail=latest["detail"] + "; after " + latest["kind"],
        source=latest["source"],
        indicator=latest["indicator"],
    ).assign(resident_id=latest["resident_id"].to_numpy())[list(_SIGNAL_DTYPES)]


def all_signals(clean: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """Clean signals plus every combination, each combination seeing the earlier ones."""
    sources = clean
    for combo in rules.combos:
        found = combo_signals(sources, rules, combo).astype(_SIGNAL_DTYPES)
        if len(found):
            sources = pd.concat([sources, found], ignore_index=True)
    return sources


# --------------------------------------------------------------------------------- scoring
def scored(signals: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """Episode number, decayed score and level after each weighted signal."""
    s = rules.scoring
    frame = signals[(signals["weight"] > 0) | (signals["level_floor"] > 0).fillna(False)]
    frame = frame.sort_values(
        ["resident_id", "t", "kind", "detail", "counterpart"], na_position="last", kind="stable"
    ).reset_index(drop=True)
    micros = frame["t"].to_numpy(dtype="datetime64[us]").astype(np.int64)
    ts = np.floor_divide(micros, 1_000_000).astype(np.float64)
    who = frame["resident_id"].to_numpy()
    same = np.zeros(len(frame), dtype=bool)
    same[1:] = who[1:] == who[:-1]
    gap = np.full(len(frame), np.inf)
    gap[1:] = ts[1:] - ts[:-1]
    new_episode = ~(same & (gap <= s.episode_gap_hours * 3600))
    frame["episode"] = pd.Series(new_episode.astype(np.int64)).groupby(who).cumsum().to_numpy()
    groups = [frame["resident_id"], frame["episode"]]
    since = ts - pd.Series(ts).groupby(groups).transform("min").to_numpy()
    half_life = s.half_life_hours * 3600
    grown = pd.Series(frame["weight"].to_numpy() * np.power(2.0, since / half_life))
    frame["score"] = np.power(2.0, -since / half_life) * grown.groupby(groups).cumsum().to_numpy()
    floors = frame["level_floor"].fillna(0).astype(np.int64)
    floor_so_far = floors.groupby(groups).cummax().to_numpy()
    level = np.zeros(len(frame), dtype=np.int64)
    for lvl, threshold in sorted(s.thresholds()):
        level[frame["score"].to_numpy() >= threshold] = lvl
    frame["level"] = np.maximum(level, floor_so_far)
    return frame


def warnings(
    scored_signals: pd.DataFrame, residents: pd.DataFrame, jurisdictions: pd.DataFrame
) -> pd.DataFrame:
    """One row per warned episode: times, levels reached, type, score and where it belongs."""
    frame = scored_signals
    keys = ["resident_id", "episode"]
    for lvl in (1, 2, 3, 4):
        frame[f"level{lvl}_at"] = frame["t"].where(frame["level"] >= lvl)
    episodes = frame.groupby(keys).agg(
        episode_start=("t", "min"),
        last_signal_at=("t", "max"),
        level=("level", "max"),
        level1_at=("level1_at", "min"),
        level2_at=("level2_at", "min"),
        level3_at=("level3_at", "min"),
        level4_at=("level4_at", "min"),
        score=("score", "max"),
        n_signals=("t", "size"),
        signal_phone=("phone", "min"),
    )
    episodes = episodes[episodes["level"] >= 1].reset_index()
    typed = frame[frame["fraud_type"].notna()]
    types = typed.groupby([*keys, "fraud_type"])["weight"].sum().rename("total").reset_index()
    types = types.sort_values(
        [*keys, "total", "fraud_type"], ascending=[True, True, False, True]
    ).drop_duplicates(keys)[[*keys, "fraud_type"]]
    homes = residents.groupby("resident_id").agg(
        phone=("phone", "min"), community=("community", "min")
    )
    out = episodes.merge(types, on=keys, how="left").merge(
        homes, left_on="resident_id", right_index=True, how="left"
    )
    out = out.merge(jurisdictions[["community", "station"]], on="community", how="left")
    out["warned_at"] = out["level1_at"]
    out["fraud_type"] = out["fraud_type"].fillna("other")
    out["phone"] = out["phone"].fillna(out["signal_phone"])
    out = out.sort_values(keys, kind="stable").reset_index(drop=True)
    return out[list(WARNING_COLUMNS)]


def detect_pandas(store: EventStore, rules: Rules, text_verdicts: pa.Table) -> pd.DataFrame:
    """The warnings of the detection plan, computed with pandas only."""
    verdicts = text_verdicts.to_pandas()
    raw, residents, called_back = raw_signals(store, rules, verdicts)
    doubtful = pd.concat([reach_doubtful(raw, residents, rules), called_back])
    signals = all_signals(clean_signals(raw, doubtful), rules)
    jurisdictions = read_kind(store, "jurisdictions", ["community", "station"])
    return warnings(scored(signals, rules), residents, jurisdictions)
