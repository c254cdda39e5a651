"""Resident-level features of a warning, from the event store, between first contact and now.

For each checkpoint (:mod:`.checkpoints`) the window runs from the warning's episode start (its
first suspicious contact) to the checkpoint's ``as_of`` time. The features describe what the
resident did in that window, the way an engaging victim differs from a cold contact:

- calls with the suspicious counterparts: repeated, answered, long, on several days, and
  call-backs (the resident dialling the fraud number); how many residents the counterpart
  reaches (fraud lines blast many, a relative abroad calls one family) and whether the
  resident had talked to it before the episode;
- app installs, rare ones (few residents of the city install them) and remote-control apps;
- transfers: to payees this account never paid before, rare payees, large amounts, cash
  withdrawals, compared with the resident's own habit before the window;
- visits to rare web hosts, night activity (00:00–06:00);
- who the resident is (age, gender, occupation) next to the warning's fraud type, and what
  detection knows already (level, score, signal kinds).

Everything is as of the checkpoint: how many residents a counterpart, a package, a host or a
payee reached counts only contacts made by ``as_of``, so events after a checkpoint never change
its row (training on desk outcomes and the backtests rely on it).
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from fanzha.core.fraud_types import TEN_CODES
from fanzha.core.schemas import OCCUPATIONS

REMOTE_APPS = (
    "com.anydesk.anydeskandroid",
    "com.teamviewer.quicksupport.market",
    "com.teamviewer.teamviewer.market.mobile",
    "com.oray.sunlogin",
    "com.oray.sunlogin.client",
    "us.zoom.videomeetings",
    "com.tencent.wemeet.app",
    "com.rustdesk.rustdesk",
    "com.microsoft.rdc.androidx",
)
SIGNAL_FLAGS = (
    "indicator_call",
    "indicator_sms",
    "sms_link",
    "scam_text_sms",
    "indicator_url",
    "scam_link_visit",
    "indicator_app",
    "indicator_account",
    "upstream_lead",
    "suspicious_call",
    "suspected_number_call",
    "behaviour_number_call",
    "remote_app_after_contact",
    "new_payee_after_contact",
    "withdrawal_after_contact",
)
RARE_REACH = 20  # a package or host reached by at most this many residents is rare
RARE_PAYEE = 3  # a payee paid by at most this many accounts is rare
FEATURES = (
    "hours_since_contact",
    "cp_calls",
    "cp_answered",
    "cp_minutes",
    "cp_max_minutes",
    "cp_callbacks",
    "cp_days",
    "cp_sms",
    "cp_reach",
    "cp_known_before",
    "installs",
    "rare_installs",
    "remote_installs",
    "transfers",
    "new_payees",
    "rare_payees",
    "transfer_amount",
    "max_transfer",
    "withdrawals",
    "withdrawn",
    "base_transfers_per_day",
    "rare_hosts",
    "night_events",
    "age",
    "male",
    "occupation",
    "fraud_type",
    "level",
    "score",
    "n_signals",
    *(f"sig_{k}" for k in SIGNAL_FLAGS),
)
CATEGORICAL = ("occupation", "fraud_type")

_SQL = """
WITH cp AS (SELECT k.key, k.phone, k.start, k.as_of, p.counterpart
  FROM ck k JOIN pairs p USING (key)),
cpc AS (
  SELECT cp.key, c.start AS t, c.duration_s, c.caller = cp.phone AS outgoing
  FROM cp JOIN calls c ON c.caller = cp.phone AND c.callee = cp.counterpart
  WHERE c.start BETWEEN cp.start AND cp.as_of
  UNION ALL
  SELECT cp.key, c.start, c.duration_s, false
  FROM cp JOIN calls c ON c.callee = cp.phone AND c.caller = cp.counterpart
  WHERE c.start BETWEEN cp.start AND cp.as_of),
calls_f AS (SELECT key, count(*) AS cp_calls, count(*) FILTER (duration_s > 0) AS cp_answered,
  coalesce(sum(duration_s), 0) / 60.0 AS cp_minutes, coalesce(max(duration_s), 0) / 60.0
  AS cp_max_minutes, count(*) FILTER (outgoing AND duration_s > 0) AS cp_callbacks,
  count(DISTINCT CAST(t AS DATE)) AS cp_days FROM cpc GROUP BY key),
fan AS (SELECT 'call' AS via, caller AS counterpart, callee AS other, min(start) AS t
  FROM calls WHERE caller IN (SELECT counterpart FROM pairs) GROUP BY ALL
  UNION ALL SELECT 'sms', sender, receiver, min(time) FROM sms
  WHERE sender IN (SELECT counterpart FROM pairs) GROUP BY ALL),
reach_f AS (SELECT key, max(n) AS cp_reach FROM (SELECT cp.key, count(*) AS n
  FROM cp JOIN fan f USING (counterpart) WHERE f.t <= cp.as_of
  GROUP BY cp.key, f.counterpart, f.via) GROUP BY key),
before_f AS (SELECT key, count(*) AS cp_known_before FROM (
  SELECT cp.key FROM cp JOIN calls c ON c.caller = cp.phone AND c.callee = cp.counterpart
  WHERE c.start < cp.start AND c.duration_s > 0
  UNION ALL SELECT cp.key FROM cp JOIN calls c ON c.callee = cp.phone AND c.caller = cp.counterpart
  WHERE c.start < cp.start AND c.duration_s > 0) b GROUP BY key),
sms_f AS (SELECT cp.key, count(*) AS cp_sms FROM cp JOIN sms s
  ON s.receiver = cp.phone AND s.sender = cp.counterpart
  WHERE s.time BETWEEN cp.start AND cp.as_of GROUP BY cp.key),
first_install AS (SELECT package, phone, min(time) AS t FROM app_events
  WHERE event = 'install' GROUP BY ALL),
reach AS (SELECT package, t AS common_at FROM (SELECT package, t,
  row_number() OVER (PARTITION BY package ORDER BY t) AS i FROM first_install)
  WHERE i = $rare + 1),
apps_f AS (SELECT k.key, count(*) AS installs,
  count(*) FILTER (r.common_at IS NULL OR r.common_at > k.as_of) AS rare_installs,
  count(*) FILTER (a.package IN (SELECT package FROM remote)) AS remote_installs
  FROM ck k JOIN app_events a ON a.phone = k.phone AND a.event = 'install'
    AND a.time BETWEEN k.start AND k.as_of
  LEFT JOIN reach r ON r.package = a.package GROUP BY k.key),
paid AS (SELECT payer_account, payee_account, min(time) AS first_paid FROM transfers
  WHERE payee_account IS NOT NULL GROUP BY ALL),
payee_reach AS (SELECT payee_account, first_paid AS common_at FROM (SELECT payee_account,
  first_paid, row_number() OVER (PARTITION BY payee_account ORDER BY first_paid) AS i
  FROM paid) WHERE i = $rare_payee + 1),
tr AS (SELECT k.key, t.*, p.first_paid,
  pr.common_at IS NULL OR pr.common_at > k.as_of AS rare_payee FROM ck k JOIN transfers t
  ON t.payer_phone = k.phone AND t.time BETWEEN k.start AND k.as_of
  LEFT JOIN paid p ON p.payer_account = t.payer_account AND p.payee_account = t.payee_account
  LEFT JOIN payee_reach pr ON pr.payee_account = t.payee_account),
tr_f AS (SELECT key, count(*) FILTER (payee_account IS NOT NULL) AS transfers,
  count(*) FILTER (first_paid = time) AS new_payees,
  count(*) FILTER (rare_payee) AS rare_payees,
  coalesce(sum(amount) FILTER (payee_account IS NOT NULL), 0) AS transfer_amount,
  coalesce(max(amount), 0) AS max_transfer,
  count(*) FILTER (payee_account IS NULL) AS withdrawals,
  coalesce(sum(amount) FILTER (payee_account IS NULL), 0) AS withdrawn FROM tr GROUP BY key),
base AS (SELECT k.key, count(t.time) / greatest(1.0, date_diff('hour', min_t.t0, k.start)
  / 24.0) AS base_transfers_per_day
  FROM ck k CROSS JOIN (SELECT min(time) AS t0 FROM transfers) min_t
  LEFT JOIN transfers t ON t.payer_phone = k.phone AND t.time < k.start GROUP BY k.key, min_t.t0,
  k.start),
first_visit AS (SELECT host, phone, min(time) AS t FROM url_visits GROUP BY ALL),
host_reach AS (SELECT host, t AS common_at FROM (SELECT host, t,
  row_number() OVER (PARTITION BY host ORDER BY t) AS i FROM first_visit) WHERE i = $rare + 1),
hosts_f AS (SELECT k.key, count(DISTINCT v.host) AS rare_hosts FROM ck k JOIN url_visits v
  ON v.phone = k.phone AND v.time BETWEEN k.start AND k.as_of
  LEFT JOIN host_reach h ON h.host = v.host
  WHERE h.common_at IS NULL OR h.common_at > k.as_of GROUP BY k.key),
night AS (SELECT k.key, count(*) AS night_events FROM ck k JOIN calls c
  ON c.caller = k.phone AND c.start BETWEEN k.start AND k.as_of AND hour(c.start) < 6
  AND c.duration_s > 0 GROUP BY k.key),
who AS (SELECT resident_id, min(birth_year) AS birth_year, min(gender) AS gender,
  min(occupation) AS occupation FROM residents GROUP BY resident_id)
SELECT k.key, date_diff('second', k.start, k.as_of) / 3600.0 AS hours_since_contact,
  calls_f.* EXCLUDE (key), sms_f.* EXCLUDE (key), reach_f.cp_reach,
  before_f.cp_known_before, apps_f.* EXCLUDE (key), tr_f.* EXCLUDE (key),
  base.base_transfers_per_day, hosts_f.rare_hosts, night.night_events,
  year(k.as_of) - who.birth_year AS age, CAST(who.gender = 'M' AS INTEGER) AS male,
  who.occupation AS occupation_name
FROM ck k
LEFT JOIN calls_f USING (key) LEFT JOIN sms_f USING (key) LEFT JOIN reach_f USING (key)
LEFT JOIN before_f USING (key) LEFT JOIN apps_f USING (key)
LEFT JOIN tr_f USING (key) LEFT JOIN base USING (key) LEFT JOIN hosts_f USING (key)
LEFT JOIN night USING (key) LEFT JOIN who ON who.resident_id = k.resident_id
ORDER BY k.key"""


def victim_features(con: duckdb.DuckDBPyConnection, checkpoints: pd.DataFrame) -> pd.DataFrame:
    """The :data:`FEATURES` table, one row per checkpoint (same order, index ``key``)."""
    if checkpoints.empty:
        return pd.DataFrame(columns=list(FEATURES), dtype=np.float64)
    ck = checkpoints[["key", "resident_id", "phone", "start", "as_of"]].copy()
    ck["phone"] = ck["phone"].astype("Int64")
    pairs = checkpoints[["key", "counterparts"]].explode("counterparts").dropna()
    pairs = pd.DataFrame(
        {"key": pairs["key"].astype("int64"), "counterpart": pairs["counterparts"].astype("int64")}
    )
    remote = pd.DataFrame({"package": list(REMOTE_APPS)})
    for name, frame in (("ck", ck), ("pairs", pairs), ("remote", remote)):
        con.register(name, frame)
    try:
        raw = (
            con.execute(_SQL, {"rare": RARE_REACH, "rare_payee": RARE_PAYEE}).df().set_index("key")
        )
    finally:
        for name in ("ck", "pairs", "remote"):
            con.unregister(name)
    return _finish(raw, checkpoints.set_index("key"))


def _finish(raw: pd.DataFrame, ck: pd.DataFrame) -> pd.DataFrame:
    out = raw.drop(columns=["occupation_name"]).astype(np.float64)
    counts = [c for c in out.columns if c not in ("age", "male")]
    out[counts] = out[counts].fillna(0.0)
    out["occupation"] = _codes(raw["occupation_name"], OCCUPATIONS)
    out["fraud_type"] = _codes(ck["fraud_type"], TEN_CODES)
    out["level"] = ck["level"].astype(np.float64)
    out["score"] = ck["score"].astype(np.float64)
    out["n_signals"] = ck["n_signals"].astype(np.float64)
    kinds = ck["kinds"].map(set)
    for kind in SIGNAL_FLAGS:
        out[f"sig_{kind}"] = kinds.map(lambda s, k=kind: float(k in s))
    return out[list(FEATURES)]


def _codes(values: pd.Series, vocabulary: tuple[str, ...]) -> pd.Series:
    """Category codes in a fixed vocabulary (unknown or missing: NaN)."""
    index = {name: float(i) for i, name in enumerate(vocabulary)}
    return values.map(lambda v: index.get(v, np.nan) if isinstance(v, str) else np.nan)
