"""Tiers in the workflow store: assign them to warnings, rank the desk's list, escalate.

:func:`assign_tiers` judges every open warning that has no tier yet or has had a signal since
its tier was set (``tier_as_of`` < ``last_signal_at``): its victim score (when a victim model
and the event store are configured), then :func:`~fanzha.workflow.tier.engine.decide` with
the one-to-one places its station has left that day. ``tier_at`` is the time of the data at
which the tier was set (the signal's time), so the budget of a day is the same in a backfill
and live. With ``one_to_one.reallocate`` a likelier candidate takes the place of the least
likely holder no officer has started on (:func:`not_started`); that warning goes to assisted,
with its reason and an audit record (``tier_displace``). :func:`escalate_warning` moves a
warning up by an event; :func:`apply_contact` carries out what the escalation policy
(:func:`~fanzha.workflow.tier.engine.after_contact`) decided for an outreach outcome: an
escalation, a repeated call or a hold below the officer gate, each audited. A held warning
(``tier_contact_outcomes.decision`` ``hold``/``hold_sms``) that gets a new signal is a
one-to-one candidate (``escalation.new_signal_after_held``).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, String, and_, cast, exists, func, or_, select
from sqlalchemy.orm import Session

from fanzha.core.warning_record import parse_reasons
from fanzha.detection.victim.checkpoints import WarningSnapshot
from fanzha.detection.victim.model import VictimRiskModel
from fanzha.store.event_store import EventStore
from fanzha.workflow.action.models import Action, ActionKind
from fanzha.workflow.audit import service as audit
from fanzha.workflow.audit.models import AuditRecord
from fanzha.workflow.roles import SYSTEM
from fanzha.workflow.tier.engine import (
    ContactDecision,
    DeskBudget,
    Place,
    TierDecision,
    TierInput,
    decide,
    escalate,
    give_place,
    rank_one_to_one,
)
from fanzha.workflow.tier.models import ContactOutcome
from fanzha.workflow.tier.rules import Tier, TierRules
from fanzha.workflow.warning.models import EarlyWarning

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TierConfig:
    """Tier rules, the desk's one-to-one places per station and day, the victim model."""

    rules: TierRules
    capacity: int
    model: VictimRiskModel | None = field(default=None, compare=False)
    store: EventStore | None = field(default=None, compare=False)


@dataclass
class TierReport:
    """How many warnings got a tier, and how many changed tier, by tier."""

    judged: int = 0
    changed: int = 0
    displaced: int = 0  # one-to-one warnings that gave their place to a likelier victim
    by_tier: dict[str, int] = field(default_factory=lambda: defaultdict(int))


def pending(session: Session, limit: int = 5000) -> list[EarlyWarning]:
    """Open warnings with no tier or a signal newer than their tier, oldest signal first."""
    query = (
        select(EarlyWarning)
        .where(
            EarlyWarning.is_open.is_(True),
            or_(EarlyWarning.tier.is_(None), EarlyWarning.tier_as_of < EarlyWarning.last_signal_at),
        )
        .order_by(EarlyWarning.last_signal_at, EarlyWarning.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def assign_tiers(
    session: Session,
    config: TierConfig,
    *,
    warnings: list[EarlyWarning] | None = None,
    now: dt.datetime | None = None,
) -> TierReport:
    """Judge ``warnings`` (default: :func:`pending`) and store tier, reasons and ranks."""
    todo = pending(session) if warnings is None else warnings
    report = TierReport()
    if not todo:
        return report
    session.flush()
    scores = _victim_scores(todo, config)
    budget = _budget(session, config, todo)
    held = held_warnings(session, [w.id for w in todo])
    days: set[tuple[str | None, dt.date]] = set()
    for warning in sorted(todo, key=lambda w: (w.last_signal_at, w.id)):
        score, explanation = scores.get(warning.id, (None, []))
        item = _input(warning, score, warning.id in held and warning.tier == "assisted")
        decision = decide(item, config.rules, budget, _tier(warning.tier))
        changed = decision.tier != warning.tier
        _store(warning, decision, explanation, config.rules)
        if changed:
            report.changed += 1
            _audit(session, warning, decision, now)
        if decision.displaced is not None:
            _displace(session, decision.displaced, item, now)
            report.displaced += 1
        report.judged += 1
        report.by_tier[decision.tier] += 1
        if decision.tier == "one_to_one" and warning.tier_at is not None:
            days.add((warning.station, warning.tier_at.date()))
    session.flush()
    for station, day in days:
        rank_station_day(session, station, day)
    return report


def _tier(value: str | None) -> Tier | None:
    return value if value in ("watch", "automated", "assisted", "one_to_one") else None  # type: ignore[return-value]


def _input(warning: EarlyWarning, score: float | None, held: bool = False) -> TierInput:
    kinds = frozenset(r.kind for r in parse_reasons(warning.reasons))
    return TierInput(
        str(warning.id), warning.station, warning.last_signal_at, warning.level, kinds, score, held
    )


HELD = ("hold", "hold_sms")


def held_warnings(session: Session, ids: list[int]) -> set[int]:
    """Of ``ids``, the warnings an unconfirmed contact left held below the officer gate."""
    if not ids:
        return set()
    rows = session.scalars(
        select(ContactOutcome.warning_id).where(
            ContactOutcome.decision.in_(HELD), ContactOutcome.warning_id.in_(ids)
        )
    )
    return set(rows)


def _store(
    warning: EarlyWarning,
    decision: TierDecision,
    explanation: list[dict[str, Any]],
    rules: TierRules,
) -> None:
    if decision.tier != warning.tier:
        warning.tier_at = decision.as_of
    warning.tier = decision.tier
    warning.tier_reasons = decision.reasons
    warning.tier_as_of = warning.last_signal_at
    warning.tier_rules_version = rules.full_version
    warning.victim_score = decision.victim_score
    warning.victim_explanation = explanation
    if decision.tier != "watch" and warning.reached_at is None:
        warning.reached_at = decision.as_of


def _audit(
    session: Session, warning: EarlyWarning, decision: TierDecision, now: dt.datetime | None
) -> None:
    audit.append(
        session=session,
        actor=SYSTEM.label,
        action="tier",
        object_type="warning",
        object_id=warning.id,
        at=now or decision.as_of,
        detail={"tier": decision.tier, "reasons": [r["code"] for r in decision.reasons]},
    )


def not_started() -> ColumnElement[bool]:
    """A one-to-one warning whose place can be re-allocated: no officer has started on it.

    Still ``new`` or ``routed`` (not signed for), no contact, visit or outcome recorded, no
    officer action (anything but an assignment or an SLA escalation), and not escalated by a
    channel outcome (``tier_escalate``: its robot call already went unconfirmed).
    """
    bookkeeping = (ActionKind.ASSIGN.value, ActionKind.ESCALATE.value)
    acted = exists().where(Action.warning_id == EarlyWarning.id, Action.kind.not_in(bookkeeping))
    escalated = exists().where(
        AuditRecord.object_type == "warning",
        AuditRecord.object_id == cast(EarlyWarning.id, String),
        AuditRecord.action == "tier_escalate",
    )
    return and_(
        EarlyWarning.status.in_(("new", "routed")),
        EarlyWarning.signed_at.is_(None),
        EarlyWarning.contacted_at.is_(None),
        EarlyWarning.visited_at.is_(None),
        EarlyWarning.outcome.is_(None),
        ~acted,
        ~escalated,
    )


def _budget(session: Session, config: TierConfig, todo: list[EarlyWarning]) -> DeskBudget:
    """Who holds the one-to-one places on the days the warnings fall on (by station and day)."""
    budget = DeskBudget(config.capacity, config.rules.one_to_one.reallocate)
    days = {w.last_signal_at.date() for w in todo}
    start = dt.datetime.combine(min(days), dt.time())
    end = dt.datetime.combine(max(days), dt.time()) + dt.timedelta(days=1)
    rows = session.execute(
        select(
            EarlyWarning.id,
            EarlyWarning.station,
            EarlyWarning.tier_at,
            EarlyWarning.victim_score,
            not_started(),
        ).where(
            EarlyWarning.tier == "one_to_one",
            EarlyWarning.tier_at >= start,
            EarlyWarning.tier_at < end,
        )
    )
    for key, station, at, score, free in rows:
        if at is not None:
            locked = None if free else dt.datetime.min
            budget.hold(station, Place(str(key), score, at, locked))
    return budget


def _displace(session: Session, place: Place, by: TierInput, now: dt.datetime | None) -> None:
    """Move the warning of ``place`` to the tier :func:`give_place` gives; audited."""
    warning = session.get(EarlyWarning, int(place.key))
    if warning is None:  # pragma: no cover - the place was read from the store
        return
    tier, why = give_place(place, by)
    old = warning.tier
    warning.tier, warning.tier_at, warning.tier_rank = tier, by.as_of, None
    warning.tier_reasons = [*(warning.tier_reasons or []), why]
    audit.append(
        session=session,
        actor=SYSTEM.label,
        action="tier_displace",
        object_type="warning",
        object_id=warning.id,
        at=now or by.as_of,
        detail={"from": old, "to": tier, "by": by.key, "victim_score": by.victim_score},
    )


def rank_station_day(session: Session, station: str | None, day: dt.date) -> None:
    """Rank a station's one-to-one warnings of a day: most likely victims first."""
    start = dt.datetime.combine(day, dt.time())
    query = select(EarlyWarning).where(
        EarlyWarning.tier == "one_to_one",
        EarlyWarning.tier_at >= start,
        EarlyWarning.tier_at < start + dt.timedelta(days=1),
        EarlyWarning.station.is_(None) if station is None else EarlyWarning.station == station,
    )
    rows = list(session.scalars(query))
    decisions = [
        TierDecision(str(w.id), "one_to_one", [], w.victim_score, w.tier_at or start, station)
        for w in rows
    ]
    ranks = rank_one_to_one(decisions)
    for w in rows:
        w.tier_rank = ranks.get(str(w.id))


def escalate_warning(
    session: Session,
    warning: EarlyWarning,
    event: str,
    rules: TierRules,
    *,
    now: dt.datetime,
    actor: str = SYSTEM.label,
) -> bool:
    """Apply a channel outcome or a new signal to the warning's tier; True if it moved up."""
    current = _tier(warning.tier) or "automated"
    new, why = escalate(current, event, rules)
    if why is None:
        return False
    warning.tier, warning.tier_at = new, now
    warning.tier_reasons = [*(warning.tier_reasons or []), why]
    if warning.reached_at is None:
        warning.reached_at = now
    audit.append(
        session=session,
        actor=actor,
        action="tier_escalate",
        object_type="warning",
        object_id=warning.id,
        at=now,
        detail={"event": event, "from": current, "to": new},
    )
    if new == "one_to_one":
        session.flush()
        rank_station_day(session, warning.station, now.date())
    return True


def apply_contact(
    session: Session,
    warning: EarlyWarning,
    decision: ContactDecision,
    event: str,
    *,
    now: dt.datetime,
    actor: str = SYSTEM.label,
) -> bool:
    """Carry out the escalation policy's decision on a contact outcome; True if it moved up.

    An escalation moves the tier (audited ``tier_escalate``, ranked when one-to-one); a
    repeated call (``tier_retry``) and a hold below the officer gate (``tier_hold``) keep it,
    each with its reasons in ``tier_reasons`` and an audit record. Reached / none: nothing.
    """
    if decision.action in ("reached", "none"):
        return False
    current = _tier(warning.tier) or "automated"
    warning.tier_reasons = [*(warning.tier_reasons or []), *decision.reasons]
    detail: dict[str, Any] = {
        "event": event,
        "from": current,
        "to": decision.tier,
        "victim_score": warning.victim_score,
        "reasons": [r["code"] for r in decision.reasons],
    }
    action = {"escalate": "tier_escalate", "retry": "tier_retry"}.get(decision.action, "tier_hold")
    if decision.action == "escalate":
        warning.tier, warning.tier_at = decision.tier, now
        warning.reached_at = warning.reached_at or now
    audit.append(
        session=session,
        actor=actor,
        action=action,
        object_type="warning",
        object_id=warning.id,
        at=now,
        detail=detail,
    )
    if decision.tier == "one_to_one" and decision.action == "escalate":
        session.flush()
        rank_station_day(session, warning.station, now.date())
    return decision.action == "escalate"


def _victim_scores(
    todo: list[EarlyWarning], config: TierConfig
) -> dict[int, tuple[float | None, list[dict[str, Any]]]]:
    if config.model is None or config.store is None:
        return {}
    from fanzha.detection.victim.service import score_checkpoints

    snapshots = [WarningSnapshot.of(str(w.id), w, w.reasons) for w in todo]
    con = config.store.connect()
    try:
        ck = score_checkpoints(con, snapshots, config.model, every_signal=False)
    finally:
        con.close()
    return {
        int(row["warning"]): (float(row["victim_score"]), list(row["explanation"]))
        for row in ck.to_dict("records")
    }


def held_below_gate(session: Session) -> set[int]:
    """Warnings an unconfirmed contact left below the officer gate (``tier_hold`` records)."""
    return _warnings_audited(session, "tier_hold")


def calls_repeated(session: Session) -> set[int]:
    """Warnings whose unanswered or failed robot call the policy made again (``tier_retry``)."""
    return _warnings_audited(session, "tier_retry")


def _warnings_audited(session: Session, action: str) -> set[int]:
    rows = session.scalars(
        select(AuditRecord.object_id).where(
            AuditRecord.action == action, AuditRecord.object_type == "warning"
        )
    )
    return {int(key) for key in rows}


def escalated_to_one_to_one(session: Session) -> set[int]:
    """Warnings that came to one-to-one by an outcome (a ``tier_escalate`` audit record)."""
    rows = session.execute(
        select(AuditRecord.object_id, AuditRecord.detail).where(
            AuditRecord.action == "tier_escalate", AuditRecord.object_type == "warning"
        )
    )
    return {int(key) for key, detail in rows if (detail or {}).get("to") == "one_to_one"}


def counts_by_tier(session: Session) -> dict[str, int]:
    """Open warnings per tier (``none``: not tiered yet)."""
    rows = session.execute(
        select(EarlyWarning.tier, func.count())
        .where(EarlyWarning.is_open.is_(True))
        .group_by(EarlyWarning.tier)
    )
    return {str(tier or "none"): int(n) for tier, n in rows}


def tier_config(settings: Any) -> TierConfig:
    """The tier configuration of :class:`fanzha.settings.Settings`."""
    from fanzha.detection.victim.service import load_victim_model
    from fanzha.workflow.tier.rules import load_tier_rules

    model = load_victim_model(settings.victim_model_file)
    store = EventStore(settings.data_dir) if model is not None else None
    return TierConfig(
        load_tier_rules(settings.tier_rules_file),
        settings.desk_one_to_one_per_station_per_day,
        model,
        store,
    )
