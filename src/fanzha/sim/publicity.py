"""A simulated year of publicity: residents by community and audience, fraud contacts,
engaged contacts, warnings, victims and losses per month — and a campaign, planned from the
risk map, that lowers the susceptibility of the audience it reached by a known true effect.

The estimate of :mod:`fanzha.reporting.effect` can so be checked against the truth: for
every measure the simulator gives the relative change the campaign caused in expectation in
the targeted communities after its start (``truth``), computed from its own rates (0 when
``true_effect`` is 0). :func:`write_publicity` puts the campaign, its events, teams and a
roster of volunteers into the workflow store, for the pages and dashboards.

Model (per community c, month m, audience g): fraud contacts ~ population·share·rate·
level_c·season_m; a contact is *engaged* with probability ``engage_g`` — times
(1 − true_effect) for the reached part of the campaign audience in a targeted community from
the start month on; an engaged contact is detected (a high-level warning, "contacts") with
probability ``detect``, becomes a case with probability ``victim_g`` (loss log-normal around
the audience's mean); warnings are the detected engaged contacts plus low-level ones that
the campaign does not change.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from fanzha.reporting.riskmap import RiskRow
from fanzha.reporting.targeting import Plan, add_months, suggest_plan
from fanzha.workflow.campaign.models import Audience

__all__ = ["GROUPS", "Group", "PublicityConfig", "PublicitySim", "simulate_publicity"]


@dataclass(frozen=True)
class Group:
    """An audience: who they are, how susceptible, which frauds hit them, what they lose."""

    age_band: str
    occupation: str
    share: float  # of a community's residents, on average
    engage: float  # probability a fraud contact is engaged
    victim: float  # probability an engaged contact ends in a loss
    types: dict[str, float]
    loss_yuan: float  # median loss per case


GROUPS: dict[Audience, Group] = {
    Audience.RETIREES: Group(
        "60-69", "retiree", 0.22, 0.10, 0.10,
        {"fake_investment": 0.4, "impersonate_police": 0.35, "other": 0.25}, 60_000,
    ),
    Audience.STUDENTS: Group(
        "18-29", "student", 0.13, 0.07, 0.06,
        {"game_trade": 0.4, "task_rebate": 0.4, "fake_shopping": 0.2}, 3_000,
    ),
    Audience.EMPLOYEES: Group(
        "30-44", "office", 0.40, 0.05, 0.07,
        {"fake_investment": 0.35, "task_rebate": 0.35, "fake_loan": 0.3}, 40_000,
    ),
    Audience.FARMERS: Group(
        "45-59", "farmer", 0.15, 0.05, 0.06,
        {"impersonate_police": 0.3, "fake_loan": 0.3, "other": 0.4}, 20_000,
    ),
    Audience.HOMEMAKERS: Group(
        "30-44", "unemployed", 0.10, 0.06, 0.08,
        {"task_rebate": 0.6, "fake_shopping": 0.4}, 8_000,
    ),
}  # fmt: skip


@dataclass(frozen=True)
class PublicityConfig:
    """What to simulate. ``start`` is the index of the campaign's first month."""

    communities: int = 120
    residents_per_community: int = 8_000
    months: int = 12
    first_month: dt.date = dt.date(2026, 1, 1)
    start: int = 6
    targeted: int = 20
    true_effect: float = 0.3  # relative drop in engagement of the reached
    reach: float = 0.7  # share of the campaign audience reached in a targeted community
    contact_rate: float = 0.15  # fraud contacts per resident and month
    detect: float = 0.6
    low_warnings: float = 0.01  # low-level warnings per non-engaged contact
    level_sd: float = 0.3
    seed: int = 1


@dataclass
class PublicitySim:
    """What was simulated, with the truth to check the estimate against."""

    config: PublicityConfig
    communities: list[str]
    rows: list[RiskRow]
    plan: Plan
    start: dt.date
    truth: dict[str, float] = field(default_factory=dict)  # in the campaign's audience
    truth_all: dict[str, float] = field(default_factory=dict)  # over all residents
    population: dict[str, int] = field(default_factory=dict)


def _season(months: int) -> np.ndarray:
    return 1.0 + 0.15 * np.sin(np.arange(months) / 12 * 2 * np.pi)


def _expected(cfg: PublicityConfig, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Contacts per community × month × group, and the population per community."""
    groups = list(GROUPS.values())
    base = np.array([g.share for g in groups])
    shares = rng.dirichlet(base * 20, size=cfg.communities)
    n = cfg.residents_per_community
    people = rng.integers(n // 2, n * 3 // 2, size=cfg.communities)
    level = rng.lognormal(0.0, cfg.level_sd, size=cfg.communities)
    contacts = (
        (people * level)[:, None, None]
        * _season(cfg.months)[None, :, None]
        * shares[:, None, :]
        * cfg.contact_rate
    )
    return contacts, people


def _engage(
    cfg: PublicityConfig, targeted: np.ndarray, audience: Audience, effect: float
) -> np.ndarray:
    """Engagement probability per community × month × group with the campaign's effect."""
    engage = np.array([g.engage for g in GROUPS.values()])
    table = np.broadcast_to(engage, (cfg.communities, cfg.months, len(GROUPS))).copy()
    if audience in GROUPS and effect:
        g = list(GROUPS).index(audience)
        table[np.ix_(targeted, np.arange(cfg.start, cfg.months), np.array([g]))] *= (
            1 - effect * cfg.reach
        )
    return table


@dataclass(frozen=True)
class _Cell:
    community: str
    month: dt.date
    group: Group


def _split(cell: _Cell, kind: str, n: int, rng: np.random.Generator) -> list[RiskRow]:
    """``n`` records of one kind spread over the group's fraud types (losses for cases)."""
    g = cell.group
    types = list(g.types)
    rows = []
    for fraud_type, k in zip(types, rng.multinomial(n, [g.types[t] for t in types]), strict=True):
        if not k:
            continue
        loss = 0
        if kind == "cases":
            loss = int(rng.lognormal(np.log(g.loss_yuan), 1.0, size=k).sum() * 100)
        rows.append(
            RiskRow(
                cell.community, cell.month, kind, fraud_type, g.age_band, g.occupation, int(k), loss
            )
        )
    return rows


def _draw_cell(
    cfg: PublicityConfig, cell: _Cell, contacts: float, engage: float, rng: np.random.Generator
) -> list[RiskRow]:
    engaged = rng.poisson(contacts * engage)
    detected = rng.binomial(engaged, cfg.detect)
    low = rng.poisson(contacts * (1 - engage) * cfg.low_warnings)
    victims = rng.binomial(engaged, cell.group.victim)
    counts = (("contacts", detected), ("warnings", detected + low), ("cases", victims))
    return [row for kind, n in counts for row in _split(cell, kind, int(n), rng)]


def _draw_rows(
    cfg: PublicityConfig,
    names: list[str],
    contacts: np.ndarray,
    engage: np.ndarray,
    rng: np.random.Generator,
    months: range,
) -> list[RiskRow]:
    rows: list[RiskRow] = []
    for gi, group in enumerate(GROUPS.values()):
        for c in range(cfg.communities):
            for m in months:
                cell = _Cell(names[c], add_months(cfg.first_month, m), group)
                rows += _draw_cell(cfg, cell, contacts[c, m, gi], engage[c, m, gi], rng)
    return rows


def _truth(cfg: PublicityConfig, contacts: np.ndarray, with_: np.ndarray, without: np.ndarray,
           targeted: np.ndarray, groups: list[int]) -> dict[str, float]:  # fmt: skip
    """Expected relative change in the targeted communities after the start, per measure,
    over the given audiences."""
    sl = np.ix_(targeted, np.arange(cfg.start, cfg.months), np.array(groups))
    victim = np.array([g.victim for g in GROUPS.values()])[groups]
    loss = np.array([g.loss_yuan for g in GROUPS.values()])[groups]
    c = contacts[sl]

    def measure(engage: np.ndarray) -> dict[str, float]:
        e = engage[sl]
        return {
            "contacts": float((c * e).sum() * cfg.detect),
            "warnings": float((c * e * cfg.detect + c * (1 - e) * cfg.low_warnings).sum()),
            "cases": float((c * e * victim).sum()),
            "loss": float((c * e * victim * loss).sum()),
        }

    a, b = measure(with_), measure(without)
    return {k: a[k] / b[k] - 1.0 for k in a}


def _index(audience: Audience) -> int:
    return list(GROUPS).index(audience) if audience in GROUPS else 0


def simulate_publicity(
    cfg: PublicityConfig | None = None, names: list[str] | None = None
) -> PublicitySim:
    """Simulate the year; the campaign's communities and audience come from the risk map of
    the months before its start (:func:`fanzha.reporting.targeting.suggest_plan`).
    ``names``: the communities' codes (default ``P001``…; their number then sets
    ``communities``)."""
    cfg = cfg or PublicityConfig()
    if names is not None:
        cfg = dataclasses.replace(cfg, communities=len(names))
    rng = np.random.default_rng(cfg.seed)
    names = names or [f"P{c + 1:03d}" for c in range(cfg.communities)]
    contacts, people = _expected(cfg, rng)
    none = np.zeros(0, dtype=int)
    base = _engage(cfg, none, Audience.EVERYONE, 0.0)
    before = _draw_rows(cfg, names, contacts, base, rng, range(cfg.start))
    start = add_months(cfg.first_month, cfg.start)
    plan = suggest_plan(before, month=start, lookback=min(3, cfg.start), top=cfg.targeted)
    targeted = np.array([names.index(c) for c in plan.communities], dtype=int)
    engage = _engage(cfg, targeted, plan.audience, cfg.true_effect)
    after = _draw_rows(cfg, names, contacts, engage, rng, range(cfg.start, cfg.months))
    return PublicitySim(
        config=cfg,
        communities=names,
        rows=before + after,
        plan=plan,
        start=start,
        truth=_truth(cfg, contacts, engage, base, targeted, [_index(plan.audience)]),
        truth_all=_truth(cfg, contacts, engage, base, targeted, list(range(len(GROUPS)))),
        population={n: int(p) for n, p in zip(names, people, strict=True)},
    )
