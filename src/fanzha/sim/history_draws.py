"""The random draws behind :mod:`fanzha.sim.history`: times, levels, types, handling, outcomes.

Everything is drawn as NumPy arrays (one draw per column for all warnings at once), so a
year for an 800k-resident city (~200k warnings) takes seconds. Times are seconds since the
history's start (``int64``); ``-1`` means "did not happen (yet)".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from fanzha.settings import DEFAULT_SLA_MINUTES

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
BOOL = npt.NDArray[np.bool_]
DAY = 86_400
NEVER = -1

# Share of warnings (and cases) by hour of day: quiet night, a morning and an evening peak.
_HOURS_WEEKDAY = np.array(
    [2, 1, 1, 1, 1, 1, 2, 4, 6, 8, 9, 9, 7, 7, 8, 8, 8, 7, 6, 7, 8, 8, 6, 4], dtype=np.float64
)
_HOURS_WEEKEND = np.array(
    [3, 2, 1, 1, 1, 1, 1, 2, 3, 5, 7, 8, 8, 8, 8, 8, 8, 8, 8, 9, 10, 10, 8, 5], dtype=np.float64
)
_WEEKDAYS = np.array([1.10, 1.05, 1.0, 1.0, 1.05, 0.85, 0.80])  # Monday .. Sunday
LEVELS = np.array([1, 2, 3, 4])
_LEVEL_SHARES = np.array([0.30, 0.45, 0.21, 0.04])
# The ten common types cover ~88 % of cases (domain.md); the rest is "other".
TYPES = (
    "task_rebate",
    "fake_investment",
    "fake_shopping",
    "fake_customer_service",
    "fake_loan",
    "fake_credit",
    "impersonate_boss",
    "impersonate_police",
    "romance",
    "game_trade",
    "other",
)
_TYPE_SHARES = np.array([0.24, 0.14, 0.09, 0.10, 0.08, 0.05, 0.05, 0.06, 0.04, 0.03, 0.12])
# Loss per defrauded victim relative to the median (fake investment loses most).
_TYPE_LOSS = np.array([0.6, 4.0, 0.3, 1.2, 0.5, 0.8, 2.0, 2.5, 3.0, 0.1, 1.0])
SOURCES = ("detection", "upstream", "operator", "bank", "internet")
_SOURCE_SHARES = np.array([0.45, 0.25, 0.12, 0.10, 0.08])
# Rule (signal kind) → share of its warnings that turn out fraud-related, before the level.
RULE_PRECISION: dict[str, float] = {
    "upstream_lead": 0.70,
    "indicator_call": 0.62,
    "indicator_sms": 0.35,
    "sms_link": 0.45,
    "scam_text_sms": 0.30,
    "indicator_url": 0.50,
    "indicator_app": 0.68,
    "indicator_account": 0.78,
    "new_payee_transfer": 0.30,
    "suspicious_call": 0.25,
    "behaviour_number_call": 0.40,
    "suspected_number_call": 0.45,
    "remote_app_after_contact": 0.85,
    "new_payee_after_contact": 0.80,
    "transfer_after_remote_app": 0.90,
}
_SOURCE_RULES: dict[str, tuple[str, ...]] = {
    "detection": (
        "indicator_call",
        "indicator_sms",
        "sms_link",
        "scam_text_sms",
        "indicator_url",
        "indicator_app",
        "suspicious_call",
        "behaviour_number_call",
        "suspected_number_call",
        "remote_app_after_contact",
        "new_payee_after_contact",
        "transfer_after_remote_app",
    ),
    "upstream": ("upstream_lead",),
    "operator": ("indicator_call", "indicator_sms"),
    "bank": ("indicator_account", "new_payee_transfer"),
    "internet": ("indicator_url", "indicator_app"),
}
RULES = tuple(RULE_PRECISION)
_LEVEL_TRUTH = np.array([0.0, 0.7, 0.9, 1.15, 1.3])  # by level (index 1..4)
# Final outcome categories of fraud-related and of other warnings, with shares.
TRUE_OUTCOMES = ("dissuaded", "self_protected", "relative", "visited", "defrauded")
_TRUE_SHARES = np.array([0.58, 0.24, 0.05, 0.124, 0.006])
FALSE_OUTCOMES = ("mismatch", "duplicate", "not_found")
_FALSE_SHARES = np.array([0.84, 0.11, 0.05])


def _hour_profile(weekend: bool) -> F64:
    profile = _HOURS_WEEKEND if weekend else _HOURS_WEEKDAY
    shares: F64 = profile / profile.sum()
    return shares


def draw_times(
    rng: np.random.Generator, n: int, days: int, first_weekday: int, trend: float
) -> I64:
    """``n`` sorted times (s since the start) with a daily and a weekly rhythm and a trend.

    ``trend`` is the relative change of the daily rate from the first day to the last.
    """
    weekday = (first_weekday + np.arange(days)) % 7
    weights = _WEEKDAYS[weekday] * (1.0 + trend * np.arange(days) / max(days - 1, 1))
    day = rng.choice(days, size=n, p=weights / weights.sum())
    weekend = (first_weekday + day) % 7 >= 5
    hour = np.where(
        weekend,
        rng.choice(24, size=n, p=_hour_profile(True)),
        rng.choice(24, size=n, p=_hour_profile(False)),
    )
    seconds = day * DAY + hour * 3600 + rng.integers(0, 3600, size=n)
    return np.sort(seconds).astype(np.int64)


@dataclass
class Leads:
    """The drawn warnings, one array entry per warning."""

    at: I64
    level: I64
    type_index: I64
    source_index: I64
    rules: list[tuple[str, ...]]
    fraud_related: BOOL


def draw_leads(rng: np.random.Generator, at: I64) -> Leads:
    """Level, type, source, rules and whether each warning is fraud-related."""
    n = len(at)
    level = rng.choice(LEVELS, size=n, p=_LEVEL_SHARES).astype(np.int64)
    type_index = rng.choice(len(TYPES), size=n, p=_TYPE_SHARES).astype(np.int64)
    source_index = rng.choice(len(SOURCES), size=n, p=_SOURCE_SHARES).astype(np.int64)
    rules: list[tuple[str, ...]] = []
    precision = np.empty(n)
    extra = rng.random(n) < 0.4
    picks = rng.random((n, 2))
    for i in range(n):
        options = _SOURCE_RULES[SOURCES[source_index[i]]]
        primary = options[int(picks[i, 0] * len(options))]
        second = _SOURCE_RULES["detection"][int(picks[i, 1] * 12)]
        rules.append((primary, second) if extra[i] and second != primary else (primary,))
        precision[i] = RULE_PRECISION[primary]
    p_true = np.clip(precision * _LEVEL_TRUTH[level], 0.02, 0.97)
    return Leads(at, level, type_index, source_index, rules, rng.random(n) < p_true)


@dataclass
class Handling:
    """When each stage was reached (s since the start, ``NEVER`` if not) and the outcome."""

    routed: I64
    signed: I64
    contacted: I64
    visited: I64
    closed: I64
    breached: I64
    breach_stage: list[str | None]
    outcome: list[str]
    early_outcome: list[str | None]  # a non-final round before the final one


def _limits(level: I64) -> tuple[I64, I64, I64]:
    table = np.array([[0, 0, 0], *[DEFAULT_SLA_MINUTES[k] for k in _LEVEL_KEYS]]) * 60
    rows = table[level]
    return rows[:, 0], rows[:, 1], rows[:, 2]


_LEVEL_KEYS = ("low", "medium", "high", "emergency")


def _stage_delay(rng: np.random.Generator, limit: I64) -> I64:
    """A delay that is usually well within ``limit`` (~7 % of them miss it)."""
    return (limit * rng.lognormal(np.log(0.35), 0.7, size=len(limit))).astype(np.int64)


def draw_handling(rng: np.random.Generator, leads: Leads) -> Handling:
    """Routing, sign-for, contact and visit times, breaches and outcomes (no cut-off yet)."""
    n = len(leads.at)
    sign_limit, contact_limit, visit_limit = _limits(leads.level)
    routed = leads.at + rng.integers(5, 120, size=n)
    signed = routed + _stage_delay(rng, sign_limit)
    contacted = np.maximum(signed + 60, routed + _stage_delay(rng, contact_limit))
    outcome = _draw_outcomes(rng, leads)
    visit_needed = (leads.level >= 3) & ~np.isin(outcome, ("mismatch", "duplicate"))
    will_visit = (visit_needed & (rng.random(n) < 0.9)) | (outcome == "visited")
    visited = np.where(will_visit, contacted + _stage_delay(rng, visit_limit), NEVER)
    last = np.maximum(contacted, visited)
    closed = last + rng.integers(300, 4 * 3600, size=n)
    breached, stage = _breaches(routed, (signed, contacted, visited), leads.level, visit_needed)
    early = np.where(rng.random(n) < 0.25, rng.choice(["not_reached", "follow_up"], size=n), "")
    return Handling(
        routed=routed,
        signed=signed,
        contacted=contacted,
        visited=visited,
        closed=closed,
        breached=breached,
        breach_stage=stage,
        outcome=[str(o) for o in outcome],
        early_outcome=[str(e) or None for e in early],
    )


def _draw_outcomes(rng: np.random.Generator, leads: Leads) -> npt.NDArray[np.str_]:
    n = len(leads.at)
    true = rng.choice(np.array(TRUE_OUTCOMES), size=n, p=_TRUE_SHARES)
    false = rng.choice(np.array(FALSE_OUTCOMES), size=n, p=_FALSE_SHARES)
    return np.where(leads.fraud_related, true, false)


def _breaches(
    routed: I64, done: tuple[I64, I64, I64], level: I64, visit_needed: BOOL
) -> tuple[I64, list[str | None]]:
    """The first missed deadline of each warning (``NEVER`` if none) and its stage."""
    limits = _limits(level)
    first = np.full(len(routed), NEVER, dtype=np.int64)
    stage = np.full(len(routed), "", dtype=object)
    for name, at, limit, needed in zip(
        ("visit", "contact", "sign"),
        done[::-1],
        limits[::-1],
        (visit_needed, True, True),
        strict=True,
    ):
        deadline = routed + limit
        missed = needed & ((at == NEVER) | (at > deadline))
        first = np.where(missed, deadline, first)
        stage = np.where(missed, name, stage)
    return first, [str(s) or None for s in stage]


def draw_amounts(rng: np.random.Generator, type_index: I64, median_yuan: float) -> I64:
    """Amounts in fen: log-normal around ``median_yuan``, scaled by the fraud type."""
    yuan = median_yuan * _TYPE_LOSS[type_index] * rng.lognormal(0.0, 1.0, size=len(type_index))
    return np.maximum(np.round(yuan, 0), 100).astype(np.int64) * 100
