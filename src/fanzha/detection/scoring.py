"""Scoring: signals accumulate per resident with exponential decay into episodes and levels.

For a resident, signals are ordered in time. A quiet gap longer than ``episode_gap_hours``
closes an episode. Within an episode the score just after signal *i* is

    score_i = sum over j <= i of  weight_j * 2 ** (-(t_i - t_j) / half_life)

computed as ``2**(-h_i/H) * cumulative_sum(weight_j * 2**(h_j/H))`` with ``h`` the hours since
the episode began, which is a plain window sum both DuckDB and Spark evaluate. The level after
signal *i* is the highest level whose threshold the score reaches, raised to the highest
``level_floor`` seen so far. A warning is an episode whose level reached 低 (low) or more;
it was issued at the first signal that got it there.
"""

from __future__ import annotations

from fanzha.detection.rules.model import Rules
from fanzha.detection.sqlparts import num

_ORDER = "ORDER BY t, kind, detail, counterpart"


def scored_sql(rules: Rules) -> str:
    """Per-signal episode number, decayed score and level (only signals that carry weight)."""
    s = rules.scoring
    gap = num(s.episode_gap_hours * 3600)
    hl = num(s.half_life_hours * 3600)
    level = (
        "CASE "
        + " ".join(
            f"WHEN score >= {num(threshold)} THEN {lvl}" for lvl, threshold in s.thresholds()
        )
        + " ELSE 0 END"
    )
    return f"""
WITH timed AS (
  SELECT *, floor(epoch(t)) AS ts FROM signals WHERE weight > 0 OR level_floor > 0),
gaps AS (
  SELECT *, CASE WHEN ts - lag(ts) OVER (PARTITION BY resident_id {_ORDER}) <= {gap}
    THEN 0 ELSE 1 END AS new_episode FROM timed),
episodes AS (
  SELECT *, sum(new_episode) OVER (PARTITION BY resident_id {_ORDER}
    ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS episode FROM gaps),
started AS (
  SELECT *, min(ts) OVER (PARTITION BY resident_id, episode) AS episode_ts FROM episodes),
summed AS (
  SELECT *,
    pow(2.0, -(ts - episode_ts) / {hl}) * sum(weight * pow(2.0, (ts - episode_ts) / {hl}))
      OVER (PARTITION BY resident_id, episode {_ORDER}
            ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS score,
    max(level_floor) OVER (PARTITION BY resident_id, episode {_ORDER}
            ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS floor_so_far
  FROM started)
SELECT *, greatest({level}, floor_so_far) AS level FROM summed""".strip()


def warnings_sql(rules: Rules) -> str:
    """One row per warned episode: times, levels reached, type, score and where it belongs."""
    del rules
    reached = ", ".join(
        f"min(CASE WHEN level >= {lvl} THEN t END) AS level{lvl}_at" for lvl in (1, 2, 3, 4)
    )
    return f"""
WITH episodes AS (
  SELECT resident_id, episode, min(t) AS episode_start, max(t) AS last_signal_at,
    max(level) AS level, {reached}, max(score) AS score, count(*) AS n_signals,
    min(phone) AS signal_phone
  FROM scored GROUP BY resident_id, episode HAVING max(level) >= 1),
types AS (
  SELECT resident_id, episode, fraud_type, row_number() OVER (PARTITION BY resident_id,
    episode ORDER BY sum(weight) DESC, fraud_type) AS nth
  FROM scored WHERE fraud_type IS NOT NULL GROUP BY resident_id, episode, fraud_type),
homes AS (
  SELECT r.resident_id, min(r.phone) AS phone, min(r.community) AS community
  FROM residents r GROUP BY r.resident_id)
SELECT e.resident_id, e.episode, e.episode_start, e.level1_at AS warned_at, e.last_signal_at,
  e.level, e.level1_at, e.level2_at, e.level3_at, e.level4_at, e.score, e.n_signals,
  coalesce(ty.fraud_type, 'other') AS fraud_type, coalesce(h.phone, e.signal_phone) AS phone,
  h.community, j.station
FROM episodes e
LEFT JOIN (SELECT * FROM types WHERE nth = 1) ty
  ON ty.resident_id = e.resident_id AND ty.episode = e.episode
LEFT JOIN homes h ON h.resident_id = e.resident_id
LEFT JOIN jurisdictions j ON j.community = h.community
ORDER BY e.resident_id, e.episode""".strip()


def reasons_sql(rules: Rules) -> str:
    """The strongest signals of each warned episode, kept as its reasons."""
    keep = num(rules.scoring.reasons_kept)
    return f"""
SELECT resident_id, episode, t, kind, weight, level_floor, fraud_type, counterpart, detail,
  source, score, level
FROM (
  SELECT s.*, row_number() OVER (PARTITION BY s.resident_id, s.episode
    ORDER BY s.weight DESC, s.t, s.kind, s.detail) AS nth
  FROM scored s JOIN (SELECT resident_id, episode FROM scored GROUP BY resident_id, episode
    HAVING max(level) >= 1) w ON w.resident_id = s.resident_id AND w.episode = s.episode) x
WHERE nth <= {keep}
ORDER BY resident_id, episode, t, kind, detail""".strip()
