"""The detection plan: an ordered list of named SQL steps, written once in DuckDB's dialect.

Each step's result is materialised under its name (a temporary table in DuckDB, a cached view
in Spark), so later steps and the final queries read it. The same plan runs on both engines
(:mod:`fanzha.detection.engines`); nothing here knows which one runs it.

Inputs: the event-store views (calls, sms, url_visits, app_events, transfers, indicators,
leads, residents, jurisdictions, suspected_numbers) and ``text_verdicts(text, label,
fraud_score)`` made by the text scorer.
"""

from __future__ import annotations

from dataclasses import dataclass

from fanzha.detection.rules.model import Combo, Rules
from fanzha.detection.scoring import reasons_sql, scored_sql, warnings_sql
from fanzha.detection.signals import BASE_SIGNALS, HOST_PATTERN
from fanzha.detection.sqlparts import num, text, texts, unusual_range


@dataclass(frozen=True)
class Step:
    """One named SQL statement whose result later steps can read."""

    name: str
    sql: str


@dataclass(frozen=True)
class Plan:
    """Steps to materialise, then the two result queries."""

    steps: tuple[Step, ...]
    warnings: str
    reasons: str


def _best_indicator(kind: str, key: str) -> str:
    """One row per indicator key: the most confident entry (ties broken by source, type)."""
    return (
        f"SELECT * FROM (SELECT *, row_number() OVER (PARTITION BY {key} ORDER BY "
        f"confidence DESC, source, fraud_type) AS nth FROM (SELECT {_KEYS[kind]} AS {key}, "
        "confidence, fraud_type, source, valid_from, valid_to FROM indicators WHERE kind = "
        f"{text(kind)}) x WHERE {key} IS NOT NULL) y WHERE nth = 1"
    )


_KEYS = {
    "phone": "phone",
    "domain": "lower(value)",
    "url": "rtrim(regexp_replace(lower(value), '^https?://', ''), '/')",
    "app": "value",
    "account": "value",
}


def indicator_steps() -> list[Step]:
    """Blacklists, one row per key."""
    return [
        Step("ind_phone", _best_indicator("phone", "phone")),
        Step("ind_domain", _best_indicator("domain", "domain")),
        Step(
            "ind_url",
            "SELECT *, regexp_extract(url_key, '^([^/]+)', 1) AS url_host FROM ("
            + _best_indicator("url", "url_key")
            + ") u",
        ),
        Step("ind_app", _best_indicator("app", "value")),
        Step("ind_account", _best_indicator("account", "value")),
    ]


def host_steps() -> list[Step]:
    """Hosts named in SMS texts, and every seen host that falls under a blacklisted domain.

    Matching happens once over distinct hosts (thousands), not over every visit (millions):
    a host matches a domain equal to it or to its last two or three labels.
    """
    text_hosts = (
        "SELECT text, unnest(regexp_extract_all(lower(text), "
        f"{text(HOST_PATTERN)}, 1)) AS host FROM (SELECT DISTINCT text FROM sms "
        "WHERE text IS NOT NULL) t"
    )
    last2 = r"regexp_extract(h.host, '([^.]+\.[^.]+)$', 1)"
    last3 = r"regexp_extract(h.host, '([^.]+\.[^.]+\.[^.]+)$', 1)"
    hosts = (
        "(SELECT DISTINCT host FROM (SELECT host FROM url_visits UNION ALL "
        "SELECT host FROM text_hosts) x WHERE host IS NOT NULL) h"
    )
    conditions = (
        "d.domain = h.host",
        f"d.domain = {last2} AND d.domain <> h.host",
        f"d.domain = {last3} AND d.domain <> h.host AND d.domain <> {last2}",
    )
    matches = " UNION ALL ".join(
        f"SELECT h.host, d.domain FROM {hosts} JOIN ind_domain d ON {cond}" for cond in conditions
    )
    return [Step("text_hosts", text_hosts), Step("host_domains", matches)]


def pair_first_step(rules: Rules) -> Step:
    """First long call between an unusual-range number and each counterpart."""
    minimum = num(rules.signal("suspicious_call").min_duration_s)
    return Step(
        "pair_first",
        "SELECT caller, callee, min(start) AS first_start FROM ("
        f"SELECT caller, callee, start FROM calls WHERE duration_s >= {minimum} "
        f"AND {unusual_range('caller')} UNION ALL SELECT callee AS caller, caller AS callee, "
        f"start FROM calls WHERE duration_s >= {minimum} AND {unusual_range('callee')}) p "
        "GROUP BY caller, callee",
    )


def behaviour_numbers_step(rules: Rules) -> Step:
    """Numbers calling many distinct people, rarely called back, on shared devices or odd ranges."""
    b = rules.behaviour_number
    odd = f" OR {unusual_range('o.phone')}" if b.require_simbox_or_range else " OR true"
    sql = f"""
WITH outgoing AS (
  SELECT caller AS phone, count(DISTINCT callee) AS callees FROM calls
  GROUP BY caller HAVING count(DISTINCT callee) >= {num(b.min_distinct_callees)}),
pairs AS (
  SELECT DISTINCT c.caller AS phone, c.callee FROM calls c
  JOIN outgoing o ON c.caller = o.phone),
back AS (
  SELECT p.phone, count(DISTINCT p.callee) AS called_back FROM pairs p
  JOIN calls c ON c.caller = p.callee AND c.callee = p.phone GROUP BY p.phone),
devices AS (
  SELECT DISTINCT c.caller AS phone, c.imei FROM calls c JOIN outgoing o ON c.caller = o.phone
  WHERE c.imei IS NOT NULL),
sims AS (
  SELECT d.phone, max(s.n) AS sims FROM devices d JOIN (
    SELECT imei, count(DISTINCT caller) AS n FROM calls WHERE imei IN (SELECT imei FROM devices)
    GROUP BY imei) s ON s.imei = d.imei GROUP BY d.phone)
SELECT o.phone, CAST(NULL AS VARCHAR) AS fraud_type, o.callees,
  coalesce(b.called_back, 0) AS called_back, coalesce(s.sims, 1) AS sims
FROM outgoing o LEFT JOIN back b ON b.phone = o.phone LEFT JOIN sims s ON s.phone = o.phone
WHERE coalesce(b.called_back, 0) <= {num(b.max_callback_ratio)} * o.callees
  AND (coalesce(s.sims, 1) >= {num(b.min_sims_per_imei)}{odd})"""
    return Step("behaviour_numbers", sql.strip())


def signal_steps(rules: Rules) -> list[Step]:
    """One materialised step per base signal kind (one big UNION query is twice as slow)."""
    return [Step(f"sig_{kind}", build(rules)) for kind, build in BASE_SIGNALS.items()]


def raw_signals_step() -> Step:
    """Every base signal, resolved to a resident (leads for unknown people keep their own key)."""
    union = " UNION ALL ".join(f"SELECT * FROM sig_{kind}" for kind in BASE_SIGNALS)
    lead_key = "coalesce(s.id_hash, 'N' || CAST(s.phone AS VARCHAR))"
    resident = (
        f"coalesce(rp.resident_id, ri.resident_id, "
        f"CASE WHEN s.kind = 'upstream_lead' THEN {lead_key} END)"
    )
    sql = f"""
SELECT * FROM (
  SELECT {resident} AS resident_id, s.* FROM ({union}) s
  LEFT JOIN (SELECT phone, min(resident_id) AS resident_id FROM residents GROUP BY phone) rp
    ON rp.phone = s.phone
  LEFT JOIN (SELECT DISTINCT resident_id FROM residents) ri ON ri.resident_id = s.id_hash
) r WHERE resident_id IS NOT NULL"""
    return Step("raw_signals", sql.strip())


BLACKLIST_KINDS = (
    "indicator_call",
    "indicator_sms",
    "sms_link",
    "indicator_url",
    "indicator_app",
    "indicator_account",
)


def doubtful_step(rules: Rules) -> Step:
    """Blacklist entries that behave unlike fraud: probably wrong entries, set aside for review.

    Two tests: a site, app or account reached by implausibly many residents in a day (fraud
    reaches only the few who engage), and a number that people call back (fraud lines get
    almost no incoming calls; couriers and shops do).
    """
    caps = {k: rules.signal(k).max_reach_per_100k_per_day for k in BLACKLIST_KINDS}
    capped = {k: c for k, c in caps.items() if c is not None}
    when = " ".join(f"WHEN {text(k)} THEN {num(c)}" for k, c in capped.items())
    cap = f"CASE kind {when} END" if when else "NULL"
    ratio = num(rules.signal("indicator_call").max_callback_ratio)
    sql = f"""
SELECT kind, indicator, 'reach' AS reason, CAST(max(reach) AS DOUBLE) AS measure
FROM (
  SELECT kind, indicator, date_trunc('day', t) AS day, count(DISTINCT resident_id) AS reach
  FROM raw_signals WHERE indicator IS NOT NULL AND kind IN {texts(capped)}
  GROUP BY kind, indicator, date_trunc('day', t)) d
WHERE reach > greatest({num(rules.scoring.doubtful_min_reach)}, {cap} * (SELECT count(DISTINCT
  resident_id) FROM residents) / 100000.0)
GROUP BY kind, indicator
UNION ALL
SELECT k.kind, CAST(o.phone AS VARCHAR) AS indicator, 'called_back' AS reason,
  coalesce(b.callers, 0) / o.callees AS measure
FROM (SELECT caller AS phone, CAST(count(DISTINCT callee) AS DOUBLE) AS callees FROM calls
      WHERE caller IN (SELECT phone FROM ind_phone) GROUP BY caller) o
LEFT JOIN (SELECT callee AS phone, count(DISTINCT caller) AS callers FROM calls
      WHERE callee IN (SELECT phone FROM ind_phone) GROUP BY callee) b ON b.phone = o.phone
CROSS JOIN (SELECT 'indicator_call' AS kind UNION ALL SELECT 'indicator_sms' AS kind) k
WHERE o.callees >= {num(rules.signal("indicator_call").min_callees_for_callback)}
  AND coalesce(b.callers, 0) > {ratio} * o.callees"""
    return Step("doubtful_indicators", sql.strip())


def clean_signals_step() -> Step:
    """Raw signals less the matches of doubtful blacklist entries."""
    return Step(
        "clean_signals",
        "SELECT r.* FROM raw_signals r LEFT JOIN (SELECT DISTINCT kind, indicator FROM "
        "doubtful_indicators) o ON o.kind = r.kind AND o.indicator = r.indicator "
        "WHERE o.indicator IS NULL",
    )


def combo_step(rules: Rules, combo: Combo, sources: list[str]) -> Step:
    """``combo.then`` signals preceded within the window by one of ``combo.after``."""
    src = " UNION ALL ".join(f"SELECT * FROM {name}" for name in sources)
    sql = f"""
SELECT b.resident_id, b.phone, b.id_hash, b.t, {text(combo.id)} AS kind,
  CAST({num(combo.weight)} AS DOUBLE) AS weight, {combo.level_floor} AS level_floor,
  max_by(a.fraud_type, a.t) AS fraud_type, max_by(a.counterpart, a.t) AS counterpart,
  b.detail || '; after ' || max_by(a.kind, a.t) AS detail, b.source,
  max_by(a.indicator, a.t) AS indicator
FROM (SELECT * FROM ({src}) s WHERE kind = {text(combo.then)}) b
JOIN (SELECT * FROM ({src}) s WHERE kind IN {texts(rules.expand_after(combo))}
  AND weight >= {num(combo.min_after_weight)}) a
  ON a.resident_id = b.resident_id AND a.t <= b.t
  AND a.t >= b.t - INTERVAL {combo.within_minutes} MINUTE
GROUP BY b.resident_id, b.phone, b.id_hash, b.t, b.detail, b.source"""
    return Step(f"combo_{combo.id}", sql.strip())


def build_plan(rules: Rules) -> Plan:
    """The whole detection plan for a rules file."""
    steps = [*indicator_steps(), *host_steps(), pair_first_step(rules)]
    steps.append(behaviour_numbers_step(rules))
    steps.extend(signal_steps(rules))
    steps.extend([raw_signals_step(), doubtful_step(rules), clean_signals_step()])
    sources = ["clean_signals"]
    for combo in rules.combos:
        step = combo_step(rules, combo, sources)
        steps.append(step)
        sources.append(step.name)
    all_signals = " UNION ALL ".join(f"SELECT * FROM {name}" for name in sources)
    steps.append(Step("signals", all_signals))
    steps.append(Step("scored", scored_sql(rules)))
    return Plan(tuple(steps), warnings_sql(rules), reasons_sql(rules))
