"""Per-number behaviour features and the call graph, computed from the event store with DuckDB.

One row per number that placed a call or sent an SMS; the id is the integer phone key.
Features (all numeric; NaN where a number has no such activity):

=========================  ===========================================================
out_calls                  outgoing calls
distinct_callees           distinct numbers called
calls_per_callee           out_calls / distinct_callees
short_call_share           share of outgoing calls shorter than 15 s (0 s = not answered)
unanswered_share           share of outgoing calls not answered (0 s)
mean_duration_s            mean outgoing call duration
night_share                share of outgoing calls between 22:00 and 07:00
active_days                distinct days with an outgoing call
calls_per_day              out_calls / active_days
in_calls                   incoming calls
distinct_callers           distinct numbers calling in
callback_ratio             share of called numbers that ever called this number
distinct_cells             distinct cells used (a moving device)
distinct_imeis             distinct devices used
max_sims_per_imei          most numbers seen on one of its devices (SIM boxes / GOIP)
age_days                   days from first activity to the end of the data ("number age")
callee_communities         distinct communities of resident callees (area spread)
resident_callee_share      share of callees that are registered residents
callee_mean_age            mean age of resident callees
callee_elderly_share       share of resident callees aged 60+
callee_student_share       share of resident callees who are students
callee_female_share        share of resident callees who are women
sms_sent, sms_receivers    SMS volume and distinct receivers
sms_received               incoming SMS
url_visits, app_events     data / app usage of the number
transfers                  transfers paid from the number's accounts
is_virtual, is_international  number ranges favoured by fraud operations
=========================  ===========================================================
"""

from __future__ import annotations

import duckdb
import pandas as pd

from fanzha.core.phone import VIRTUAL_PREFIXES

_VIRTUAL = ", ".join(f"'{p}'" for p in sorted(VIRTUAL_PREFIXES))

FEATURES_SQL = f"""
WITH ends AS (SELECT max(start) AS data_end FROM calls),
pairs AS (SELECT DISTINCT caller, callee FROM calls),
nums AS (SELECT caller AS phone FROM calls UNION SELECT sender FROM sms),
outgoing AS (
  SELECT caller AS phone, count(*) AS out_calls, count(DISTINCT callee) AS distinct_callees,
    avg(CASE WHEN duration_s < 15 THEN 1 ELSE 0 END) AS short_call_share,
    avg(CASE WHEN duration_s = 0 THEN 1 ELSE 0 END) AS unanswered_share,
    avg(duration_s) AS mean_duration_s,
    avg(CASE WHEN hour(start) >= 22 OR hour(start) < 7 THEN 1 ELSE 0 END) AS night_share,
    count(DISTINCT CAST(start AS DATE)) AS active_days,
    count(DISTINCT cell) AS distinct_cells, count(DISTINCT imei) AS distinct_imeis
  FROM calls GROUP BY caller),
incoming AS (SELECT callee AS phone, count(*) AS in_calls,
    count(DISTINCT caller) AS distinct_callers FROM calls GROUP BY callee),
callback AS (
  SELECT p.caller AS phone, avg(CASE WHEN q.caller IS NULL THEN 0 ELSE 1 END) AS callback_ratio
  FROM pairs p LEFT JOIN pairs q ON q.caller = p.callee AND q.callee = p.caller
  GROUP BY p.caller),
imei_sims AS (SELECT imei, count(DISTINCT caller) AS sims FROM calls
  WHERE imei IS NOT NULL AND imei <> '' GROUP BY imei),
imei_feat AS (
  SELECT d.caller AS phone, max(s.sims) AS max_sims_per_imei
  FROM (SELECT DISTINCT caller, imei FROM calls) d JOIN imei_sims s USING (imei)
  GROUP BY d.caller),
firsts AS (
  SELECT phone, min(t) AS first_seen FROM (
    SELECT caller AS phone, start AS t FROM calls UNION ALL
    SELECT callee, start FROM calls UNION ALL SELECT sender, time FROM sms)
  GROUP BY phone),
people AS (SELECT phone, any_value(community) AS community, any_value(birth_year) AS birth_year,
    any_value(occupation) AS occupation, any_value(gender) AS gender
  FROM residents GROUP BY phone),
demo AS (
  SELECT p.caller AS phone, count(DISTINCT r.community) AS callee_communities,
    avg(CASE WHEN r.phone IS NULL THEN 0 ELSE 1 END) AS resident_callee_share,
    avg(year((SELECT data_end FROM ends)) - r.birth_year) AS callee_mean_age,
    avg(CASE WHEN year((SELECT data_end FROM ends)) - r.birth_year >= 60 THEN 1 ELSE 0 END)
      FILTER (WHERE r.phone IS NOT NULL) AS callee_elderly_share,
    avg(CASE WHEN r.occupation = 'student' THEN 1 ELSE 0 END)
      FILTER (WHERE r.phone IS NOT NULL) AS callee_student_share,
    avg(CASE WHEN r.gender = 'F' THEN 1 ELSE 0 END)
      FILTER (WHERE r.phone IS NOT NULL) AS callee_female_share
  FROM pairs p LEFT JOIN people r ON r.phone = p.callee GROUP BY p.caller),
sms_out AS (SELECT sender AS phone, count(*) AS sms_sent,
    count(DISTINCT receiver) AS sms_receivers FROM sms GROUP BY sender),
sms_in AS (SELECT receiver AS phone, count(*) AS sms_received FROM sms GROUP BY receiver),
web AS (SELECT phone, count(*) AS url_visits FROM url_visits GROUP BY phone),
apps AS (SELECT phone, count(*) AS app_events FROM app_events GROUP BY phone),
money AS (SELECT payer_phone AS phone, count(*) AS transfers FROM transfers
  WHERE payer_phone IS NOT NULL GROUP BY payer_phone)
SELECT n.phone,
  coalesce(o.out_calls, 0) AS out_calls, coalesce(o.distinct_callees, 0) AS distinct_callees,
  o.out_calls / nullif(o.distinct_callees, 0) AS calls_per_callee,
  o.short_call_share, o.unanswered_share, o.mean_duration_s, o.night_share,
  coalesce(o.active_days, 0) AS active_days, o.out_calls / nullif(o.active_days, 0)
    AS calls_per_day,
  coalesce(i.in_calls, 0) AS in_calls, coalesce(i.distinct_callers, 0) AS distinct_callers,
  cb.callback_ratio, o.distinct_cells, o.distinct_imeis, im.max_sims_per_imei,
  date_diff('day', f.first_seen, (SELECT data_end FROM ends)) AS age_days,
  d.callee_communities, d.resident_callee_share, d.callee_mean_age, d.callee_elderly_share,
  d.callee_student_share, d.callee_female_share,
  coalesce(so.sms_sent, 0) AS sms_sent, coalesce(so.sms_receivers, 0) AS sms_receivers,
  coalesce(si.sms_received, 0) AS sms_received, coalesce(w.url_visits, 0) AS url_visits,
  coalesce(a.app_events, 0) AS app_events, coalesce(m.transfers, 0) AS transfers,
  CASE WHEN substr(CAST(n.phone AS VARCHAR), 3, 3) IN ({_VIRTUAL})
    AND length(CAST(n.phone AS VARCHAR)) = 13 THEN 1 ELSE 0 END AS is_virtual,
  CASE WHEN CAST(n.phone AS VARCHAR) LIKE '86%' THEN 0 ELSE 1 END AS is_international
FROM nums n
LEFT JOIN outgoing o ON o.phone = n.phone LEFT JOIN incoming i ON i.phone = n.phone
LEFT JOIN callback cb ON cb.phone = n.phone LEFT JOIN imei_feat im ON im.phone = n.phone
LEFT JOIN firsts f ON f.phone = n.phone LEFT JOIN demo d ON d.phone = n.phone
LEFT JOIN sms_out so ON so.phone = n.phone LEFT JOIN sms_in si ON si.phone = n.phone
LEFT JOIN web w ON w.phone = n.phone LEFT JOIN apps a ON a.phone = n.phone
LEFT JOIN money m ON m.phone = n.phone
WHERE n.phone IS NOT NULL
ORDER BY n.phone
"""  # noqa: S608 - only the constant list of virtual prefixes is interpolated

EDGES_SQL = """
SELECT DISTINCT caller AS src, callee AS dst FROM calls WHERE caller <> callee
UNION SELECT DISTINCT sender, receiver FROM sms WHERE sender <> receiver
"""

KNOWN_FRAUD_SQL = """
SELECT phone, any_value(fraud_type) AS fraud_type FROM indicators
WHERE kind = 'phone' AND phone IS NOT NULL
  AND (valid_to IS NULL OR valid_to >= (SELECT coalesce(max(start), now()) FROM calls))
GROUP BY phone
"""


def number_features(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The feature table: index = phone key as a string (the model's id), float columns."""
    frame = con.execute(FEATURES_SQL).df()
    frame.index = pd.Index(frame.pop("phone").astype("int64").astype(str), name="phone")
    return frame.astype("float64")


def call_edges(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Distinct caller–callee and sender–receiver pairs as string ids (``src``, ``dst``)."""
    edges = con.execute(EDGES_SQL).df()
    return edges.astype("int64").astype(str)


def known_fraud_numbers(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Phone indicators valid at the end of the data: ``phone`` (int) and ``fraud_type``."""
    return con.execute(KNOWN_FRAUD_SQL).df()
