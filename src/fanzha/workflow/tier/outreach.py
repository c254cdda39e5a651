"""Automated contacts of tiered warnings: queue them in the outbox, apply their outcomes.

The tier decides the contact: an ``automated`` warning gets an SMS (template per fraud type),
an ``assisted`` one a voice-robot call. :func:`queue_contacts` asks
:func:`fanzha.notify.service.request_contact` for each open warning of those tiers that has
no contact on that channel yet (its unique key makes a second call a no-op).
:func:`apply_outcomes` reads the outbox rows that reached a final status and applies each
once (``tier_contact_outcomes``): a delivered SMS or a confirmed call reaches the resident and
ends there; a failed or expired SMS, and a call answered but not confirmed, refused, not
answered or failed, escalate the warning (``[escalation].unconfirmed`` of the tier rules:
automated → assisted → one_to_one), so it gets a call next, then an officer.
:func:`run_outreach` loops queue → send → apply until nothing new is queued.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import String, and_, cast, exists, select
from sqlalchemy.orm import Session, sessionmaker

from fanzha.notify.channel import FINAL_STATUSES
from fanzha.notify.models import OutboxRow
from fanzha.notify.service import request_contact
from fanzha.store.database import transaction
from fanzha.workflow.tier.models import ContactOutcome
from fanzha.workflow.tier.rules import TierRules
from fanzha.workflow.tier.service import escalate_warning
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
    rounds: int = 0

    def add(self, other: OutreachReport) -> None:
        """Add another report's counts to this one."""
        self.queued.update(other.queued)
        self.outcomes.update(other.outcomes)
        self.escalated.update(other.escalated)


def _uncontacted(session: Session, tier: str, channel: str, limit: int) -> list[EarlyWarning]:
    has_row = exists().where(
        and_(
            OutboxRow.subject_type == "warning",
            OutboxRow.subject_id == cast(EarlyWarning.id, String),
            OutboxRow.channel == channel,
        )
    )
    query = (
        select(EarlyWarning)
        .where(
            EarlyWarning.is_open.is_(True),
            EarlyWarning.tier == tier,
            EarlyWarning.phone.is_not(None),
            ~has_row,
        )
        .order_by(EarlyWarning.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def queue_contacts(
    session: Session, channels: OutreachChannels, now: dt.datetime, limit: int = 5000
) -> OutreachReport:
    """Queue the contact each open automated/assisted warning lacks."""
    report = OutreachReport()
    for tier in ("automated", "assisted"):
        target = channels.for_tier(tier)
        if target is None:
            continue
        channel, form = target
        for warning in _uncontacted(session, tier, channel, limit):
            request_contact(
                session,
                warning_id=warning.id,
                fraud_type=warning.fraud_type,
                recipient=str(warning.phone),
                channel=channel,
                form=form,
                language=channels.language,
                attempt=ATTEMPT,
                now=now,
            )
            report.queued[channel] += 1
    return report


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
        moved = False
        if event is not None and warning.is_open:
            moved = escalate_warning(session, warning, event, rules, now=now)
        session.add(
            ContactOutcome(
                outbox_id=row.id,
                warning_id=warning.id,
                channel=row.channel,
                status=row.status,
                event=event,
                escalated=moved,
                applied_at=now,
            )
        )
        report.outcomes[row.status] += 1
        if moved:
            report.escalated[str(warning.tier)] += 1
    session.flush()
    return report


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
