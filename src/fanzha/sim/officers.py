"""Simulated officers recording outcomes on a simulated city's warnings (assumed rates).

For measuring the victim model trained on desk outcomes (``fanzha train-victim-model
--from-desk``) against ground truth: ``bench/bench_victim_desk.py`` and its test.

A warning's resident is engaged when ground truth has them as a target beyond a cold contact
whose contact began by the time the officer records (the warning's issue time + ``delay``).
``unreachable`` of the warnings are recorded 未接通 (no label). Of the reached, an engaged
resident is recorded engaged with ``engaged_recorded`` (已被骗 when the loss came before the
call, else 及时劝阻), otherwise 自主防范; a resident who is not engaged is recorded 及时劝阻
with ``cold_recorded_engaged``, otherwise 自主防范 (a cold contact of a real fraud) or 不符
(no fraud contact at all).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass

import numpy as np
from sqlalchemy.orm import Session

from fanzha.evaluation.truth import Target, Truth
from fanzha.settings import DEFAULT_SLA_MINUTES
from fanzha.workflow.outcome import flows as outcomes
from fanzha.workflow.outcome.models import CATEGORIES, Category, OutcomeCreate
from fanzha.workflow.roles import SYSTEM
from fanzha.workflow.warning.models import EarlyWarning
from fanzha.workflow.warning.routing import DeskConfig

__all__ = ["OfficerRates", "officer_category", "outcome_data", "record_desk_outcomes"]


@dataclass(frozen=True)
class OfficerRates:
    """How simulated officers record outcomes (assumed, not measured)."""

    unreachable: float = 0.30
    engaged_recorded: float = 0.90
    cold_recorded_engaged: float = 0.05
    delay: dt.timedelta = dt.timedelta(hours=2)


def officer_category(
    targets: list[Target], when: dt.datetime, rates: OfficerRates, rng: np.random.Generator
) -> Category:
    """What a simulated officer records about a resident with ground truth ``targets``."""
    if rng.random() < rates.unreachable:
        return Category.NOT_REACHED
    engaged = [t for t in targets if t.targeted and t.first_contact <= when]
    if engaged:
        if rng.random() >= rates.engaged_recorded:
            return Category.SELF_PROTECTED
        lost = any(t.loss_time is not None and t.loss_time <= when for t in engaged)
        return Category.DEFRAUDED if lost else Category.DISSUADED
    if rng.random() < rates.cold_recorded_engaged:
        return Category.DISSUADED
    cold = any(t.first_contact <= when for t in targets)
    return Category.SELF_PROTECTED if cold else Category.MISMATCH


def outcome_data(category: Category, warning: EarlyWarning) -> OutcomeCreate:
    """The form an officer submits for ``category`` (what validation needs, nothing more)."""
    info = CATEGORIES[category]
    confirm = info.needs_confirmation
    return OutcomeCreate(
        category=category,
        version=warning.version_id,
        amount_lost=1000.0 if info.needs_loss else 0.0,
        confirmed_level=min(4, max(1, warning.level)) if confirm else None,
        confirmed_type=warning.fraud_type if confirm else None,
        note="simulated officer" if info.needs_note else "",
    )


def record_desk_outcomes(
    session: Session,
    truth: Truth,
    resident_of: dict[int, str],
    rates: OfficerRates = OfficerRates(),
    seed: int = 0,
) -> Counter[str]:
    """One simulated outcome on every open warning of the store; counts per category."""
    by_resident: dict[str, list[Target]] = defaultdict(list)
    for t in truth.targets:
        by_resident[resident_of.get(t.phone, f"N{t.phone}")].append(t)
    config = DeskConfig(sla=DEFAULT_SLA_MINUTES)
    counts: Counter[str] = Counter()
    for warning in session.query(EarlyWarning).order_by(EarlyWarning.id).all():
        when = warning.warned_at + rates.delay
        rng = np.random.default_rng([seed, warning.id])
        category = officer_category(by_resident.get(warning.resident_id, []), when, rates, rng)
        outcomes.record(
            session=session,
            principal=SYSTEM,
            warning_id=warning.id,
            data=outcome_data(category, warning),
            config=config,
            now=when,
        )
        counts[category.value] += 1
    return counts
