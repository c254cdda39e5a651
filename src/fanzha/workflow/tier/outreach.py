"""Automated contacts of tiered warnings: queue them in the outbox, apply their outcomes.

The tier decides the contact: an ``automated`` warning gets an SMS (template per fraud type),
an ``assisted`` one a voice-robot call. :func:`queue_contacts` asks
:func:`fanzha.notify.service.request_contact` for each open warning of those tiers that has
no contact on that channel yet (its unique key makes a second call a no-op).
:func:`apply_outcomes` reads the outbox rows that reached a final status and applies each
once (``tier_contact_outcomes``) by the escalation policy of the tier rules
(:func:`~fanzha.workflow.tier.engine.after_contact`): a delivered SMS or a confirmed call
reaches the resident and ends there; a failed or expired SMS moves an automated warning to
assisted (a call next); a call that is not confirmed is made again once when it was not
answered or failed (``escalation.retry_calls``, ``retry_after_minutes`` later: the row's
``retry_at``), and then goes to an officer only when the victim score reaches
``min_victim_score_to_officer``; below it the warning is held at assisted and gets a fallback
SMS if it had none. :func:`queue_contacts` queues the repeated calls that are due (attempt key
``auto-2``, ...) and the fallback SMS, each once (the outbox's unique key and the
``tier_contact_outcomes`` rows). :func:`run_outreach` loops queue → send → apply until nothing
new is queued; a repeated call due later is queued by a later run.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, String, and_, cast, exists, func, select
from sqlalchemy.orm import Session, sessionmaker

from fanzha.notify.channel import FINAL_STATUSES
from fanzha.notify.models import OutboxRow
from fanzha.notify.service import request_contact
from fanzha.store.database import transaction
from fanzha.workflow.tier.engine import Contact, ContactDecision, after_contact
from fanzha.workflow.tier.models import ContactOutcome
from fanzha.workflow.tier.rules import Tier, TierRules
from fanzha.workflow.tier.service import apply_contact
from fanzha.workflow.warning.models import EarlyWarning

ATTEMPT = "auto-1"
# final outbox status → escalation event (None: the resident was reached; nothing to do)
EVENT_OF_STATUS: dict[str, str | None] = {
    "delivered": None,
    "accepted": None,
    "confirmed": None,
    "answered": "unconfirmed",
    "refused": "refused",
    "no_answer": "unanswered",
    "expired": "unanswered",
    "failed": "failed",
}


@dataclass(frozen=True)
class OutreachChannels:
    """The outbox channel names used per contact form (``None``: that form is off)."""

    sms: str | None = "sms"
    voice: str | None = "voice"
    language: str = "zh"

    def for_tier(self, tier: str) -> tuple[str, str] | None:
        """(channel, form) of a tier's contact, or None when the tier gets none."""
        if tier == "automated" and self.sms:
            return self.sms, "sms"
        if tier == "assisted" and self.voice:
            return self.voice, "voice"
        return None


@dataclass
class OutreachReport:
    """What one or more passes did."""

    queued: Counter[str] = field(default_factory=Counter)  # by channel
    outcomes: Counter[str] = field(default_factory=Counter)  # by final status
    escalated: Counter[str] = field(default_factory=Counter)  # by new tier
    decisions: Counter[str] = field(default_factory=Counter)  # by policy action
    rounds: int = 0

    def add(self, other: OutreachReport) -> None:
        """Add another report's counts to this one."""
        self.queued.update(other.queued)
        self.outcomes.update(other.outcomes)
        self.escalated.update(other.escalated)
        self.decisions.update(other.decisions)


def attempt_key(n: int) -> str:
    """The outbox attempt key of a warning's ``n``-th contact on a channel (``auto-1``, ...)."""
    return f"auto-{n}"


def attempt_number(key: str) -> int:
    """The number of an attempt key (1 for a key that is not ``auto-N``)."""
    head, _, n = key.rpartition("-")
    return int(n) if head == "auto" and n.isdigit() else 1


def _has_row(channel: str) -> ColumnElement[bool]:
    """An outbox row of the warning on ``channel`` exists."""
    return exists().where(
        and_(
            OutboxRow.subject_type == "warning",
            OutboxRow.subject_id == cast(EarlyWarning.id, String),
            OutboxRow.channel == channel,
        )
    )


def _uncontacted(session: Session, tier: str, channel: str, limit: int) -> list[EarlyWarning]:
    query = (
        select(EarlyWarning)
        .where(
            EarlyWarning.is_open.is_(True),
            EarlyWarning.tier == tier,
            EarlyWarning.phone.is_not(None),
            ~_has_row(channel),
        )
        .order_by(EarlyWarning.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def _request(
    session: Session,
    warning: EarlyWarning,
    channels: OutreachChannels,
    target: tuple[str, str],
    attempt: str,
    now: dt.datetime,
) -> None:
    channel, form = target
    request_contact(
        session,
        warning_id=warning.id,
        fraud_type=warning.fraud_type,
        recipient=str(warning.phone),
        channel=channel,
        form=form,
        language=channels.language,
        attempt=attempt,
        now=now,
    )


def queue_contacts(
    session: Session, channels: OutreachChannels, now: dt.datetime, limit: int = 5000
) -> OutreachReport:
    """Queue the contact each open automated/assisted warning lacks, the repeated calls that
    are due and the fallback SMS of held warnings."""
    report = OutreachReport()
    for tier in ("automated", "assisted"):
        target = channels.for_tier(tier)
        if target is None:
            continue
        for warning in _uncontacted(session, tier, target[0], limit):
            _request(session, warning, channels, target, ATTEMPT, now)
            report.queued[target[0]] += 1
    _queue_retries(session, channels, now, report)
    _queue_fallbacks(session, channels, now, report)
    return report


def _contacts(session: Session, warning_id: int, where: ColumnElement[bool]) -> int:
    """How many outbox rows of the warning match ``where``."""
    query = select(func.count()).select_from(OutboxRow)
    return int(
        session.scalar(
            query.where(
                OutboxRow.subject_type == "warning",
                OutboxRow.subject_id == str(warning_id),
                where,
            )
        )
        or 0
    )


def form_of(row: OutboxRow) -> str:
    """A warning contact's form, ``sms`` or ``voice``, from its template
    (``<type>.<form>.<language>``)."""
    parts = row.template.split(".")
    return "voice" if len(parts) >= 3 and parts[-2] == "voice" else "sms"


def _tier_of(warning: EarlyWarning) -> Tier:
    tier = warning.tier
    return tier if tier in ("watch", "automated", "assisted", "one_to_one") else "automated"  # type: ignore[return-value]


def _outcome_row(
    row: OutboxRow,
    warning: EarlyWarning,
    event: str | None,
    decision: ContactDecision,
    moved: bool,
    now: dt.datetime,
) -> ContactOutcome:
    action = "hold_sms" if decision.action == "hold" and decision.sms_fallback else decision.action
    retry_at = now + decision.retry_after if decision.retry_after is not None else None
    return ContactOutcome(
        outbox_id=row.id,
        warning_id=warning.id,
        channel=row.channel,
        status=row.status,
        event=event,
        escalated=moved,
        applied_at=now,
        decision=action,
        retry_at=retry_at,
    )


def _queue_retries(
    session: Session, channels: OutreachChannels, now: dt.datetime, report: OutreachReport
) -> None:
    """Repeated robot calls due by ``now`` of warnings still assisted, once each."""
    if channels.voice is None:
        return
    rows = session.execute(
        select(EarlyWarning, OutboxRow.attempt_key)
        .join(ContactOutcome, ContactOutcome.warning_id == EarlyWarning.id)
        .join(OutboxRow, OutboxRow.id == ContactOutcome.outbox_id)
        .where(
            ContactOutcome.decision == "retry",
            ContactOutcome.retry_at <= now,
            EarlyWarning.is_open.is_(True),
            EarlyWarning.tier == "assisted",
        )
        .order_by(ContactOutcome.outbox_id)
    )
    for warning, key in list(rows):
        nxt = attempt_key(attempt_number(key) + 1)
        same = and_(OutboxRow.channel == channels.voice, OutboxRow.attempt_key == nxt)
        if _contacts(session, warning.id, same):
            continue
        _request(session, warning, channels, (channels.voice, "voice"), nxt, now)
        report.queued[channels.voice] += 1


def _queue_fallbacks(
    session: Session, channels: OutreachChannels, now: dt.datetime, report: OutreachReport
) -> None:
    """The fallback SMS of warnings held below the officer gate that have had none."""
    if channels.sms is None:
        return
    held = exists().where(
        ContactOutcome.warning_id == EarlyWarning.id, ContactOutcome.decision == "hold_sms"
    )
    query = select(EarlyWarning).where(
        EarlyWarning.is_open.is_(True),
        EarlyWarning.phone.is_not(None),
        held,
        ~_has_row(channels.sms),
    )
    for warning in list(session.scalars(query.order_by(EarlyWarning.id))):
        _request(session, warning, channels, (channels.sms, "sms"), ATTEMPT, now)
        report.queued[channels.sms] += 1


def apply_outcomes(session: Session, rules: TierRules, now: dt.datetime) -> OutreachReport:
    """Apply every final, not yet applied contact outcome of a warning (once each)."""
    report = OutreachReport()
    applied = exists().where(ContactOutcome.outbox_id == OutboxRow.id)
    rows = session.scalars(
        select(OutboxRow)
        .where(
            OutboxRow.subject_type == "warning",
            OutboxRow.status.in_(sorted(FINAL_STATUSES)),
            ~applied,
        )
        .order_by(OutboxRow.id)
    )
    for row in list(rows):
        warning = session.get(EarlyWarning, int(row.subject_id))
        if warning is None:
            continue
        event = EVENT_OF_STATUS[row.status]
        decision = ContactDecision("none", _tier_of(warning))  # a closed warning: nothing
        if warning.is_open:
            decision = after_contact(_contact(session, warning, row, event), rules)
        moved = event is not None and apply_contact(session, warning, decision, event, now=now)
        session.add(_outcome_row(row, warning, event, decision, moved, now))
        report.outcomes[row.status] += 1
        report.decisions[decision.action] += 1
        if moved:
            report.escalated[str(warning.tier)] += 1
    session.flush()
    return report


def _contact(session: Session, warning: EarlyWarning, row: OutboxRow, event: str | None) -> Contact:
    """The contact outcome as the escalation policy sees it."""
    had_sms = _contacts(session, warning.id, OutboxRow.template.like("%.sms.%"))
    return Contact(
        form_of(row),
        event,
        attempt_number(row.attempt_key),
        _tier_of(warning),
        warning.victim_score,
        warning.level,
        bool(had_sms),
    )


def run_outreach(
    factory: sessionmaker[Session],
    send: Callable[[], object],
    rules: TierRules,
    channels: OutreachChannels,
    clock: Callable[[], dt.datetime],
    *,
    max_rounds: int = 5,
) -> OutreachReport:
    """Queue contacts, ``send`` (the dispatcher until idle), apply outcomes; repeat while an
    escalation queued a new contact (a failed SMS gets a call, at most ``max_rounds``)."""
    total = OutreachReport()
    for _ in range(max_rounds):
        with transaction(factory) as session:
            queued = queue_contacts(session, channels, clock())
        total.add(queued)
        send()
        with transaction(factory) as session:
            total.add(apply_outcomes(session, rules, clock()))
        total.rounds += 1
        if not queued.queued:
            break
    return total
