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
SMS if it had none. The repeated call (attempt key ``auto-2``, ...) is queued when the
outcome is applied, with the outbox's ``not_before`` = ``retry_at``: the dispatcher sends it at
that time, not before (a ``fanzha notify run --forever`` at the minute; a one-shot run leaves
it waiting). :func:`queue_contacts` queues the fallback SMS and the repeated calls of outcomes
applied before that (``retry`` rows without their call, ``not_before`` = ``retry_at``), each
once (the outbox's unique key and the ``tier_contact_outcomes`` rows). A waiting repeated call
of a warning that was closed or left assisted meanwhile is cancelled before it goes out
(:func:`unwanted_calls`, the dispatcher's ``prune`` hook). :func:`run_outreach` loops queue →
send → apply until a pass neither queues a contact to send now nor applies an outcome.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, String, and_, cast, exists, func, or_, select
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

    queued: Counter[str] = field(default_factory=Counter)  # by channel, to send now
    scheduled: Counter[str] = field(default_factory=Counter)  # by channel, not before later
    outcomes: Counter[str] = field(default_factory=Counter)  # by final status
    escalated: Counter[str] = field(default_factory=Counter)  # by new tier
    decisions: Counter[str] = field(default_factory=Counter)  # by policy action
    rounds: int = 0

    def add(self, other: OutreachReport) -> None:
        """Add another report's counts to this one."""
        self.queued.update(other.queued)
        self.scheduled.update(other.scheduled)
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
    target: tuple[str, str, str],
    attempt: str,
    now: dt.datetime,
    not_before: dt.datetime | None = None,
) -> None:
    """Ask for the warning's contact ``target`` (channel, form, language)."""
    channel, form, language = target
    request_contact(
        session,
        warning_id=warning.id,
        fraud_type=warning.fraud_type,
        recipient=str(warning.phone),
        channel=channel,
        form=form,
        language=language,
        attempt=attempt,
        now=now,
        not_before=not_before,
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
            _request(session, warning, (*target, channels.language), ATTEMPT, now)
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


def _queue_retry(
    session: Session,
    warning: EarlyWarning,
    channel: str,
    language: str,
    after: str,
    retry_at: dt.datetime,
    now: dt.datetime,
    report: OutreachReport,
) -> None:
    """The robot call after attempt ``after``, not before ``retry_at``, once."""
    nxt = attempt_key(attempt_number(after) + 1)
    same = and_(OutboxRow.channel == channel, OutboxRow.attempt_key == nxt)
    if _contacts(session, warning.id, same):
        return
    _request(session, warning, (channel, "voice", language), nxt, now, not_before=retry_at)
    (report.scheduled if retry_at > now else report.queued)[channel] += 1


def _queue_retries(
    session: Session, channels: OutreachChannels, now: dt.datetime, report: OutreachReport
) -> None:
    """The repeated robot calls of ``retry`` outcomes applied before they were queued with
    the outcome (migration ``0020_outbox_not_before``), of warnings still assisted, once each,
    not before their ``retry_at``."""
    if channels.voice is None:
        return
    rows = session.execute(
        select(EarlyWarning, OutboxRow.attempt_key, ContactOutcome.retry_at)
        .join(ContactOutcome, ContactOutcome.warning_id == EarlyWarning.id)
        .join(OutboxRow, OutboxRow.id == ContactOutcome.outbox_id)
        .where(
            ContactOutcome.decision == "retry",
            ContactOutcome.retry_at.is_not(None),
            EarlyWarning.is_open.is_(True),
            EarlyWarning.tier == "assisted",
            EarlyWarning.phone.is_not(None),
        )
        .order_by(ContactOutcome.outbox_id)
    )
    for warning, key, retry_at in list(rows):
        at = retry_at or now
        _queue_retry(session, warning, channels.voice, channels.language, key, at, now, report)


def unwanted_calls(session: Session, now: dt.datetime) -> list[int]:
    """Repeated robot calls still waiting (queued with a ``not_before``, not tried) of
    warnings that were closed or left assisted since: the outbox ids, for the dispatcher's
    ``prune`` hook (they are cancelled, not sent)."""
    del now  # waiting or due: either is dropped before it is claimed
    query = (
        select(OutboxRow.id)
        .join(EarlyWarning, OutboxRow.subject_id == cast(EarlyWarning.id, String))
        .where(
            OutboxRow.subject_type == "warning",
            OutboxRow.status == "pending",
            OutboxRow.attempts == 0,
            OutboxRow.not_before.is_not(None),
            or_(EarlyWarning.is_open.is_(False), EarlyWarning.tier.is_distinct_from("assisted")),
        )
        .order_by(OutboxRow.id)
    )
    return list(session.scalars(query))


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
        _request(session, warning, (channels.sms, "sms", channels.language), ATTEMPT, now)
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
        outcome = _outcome_row(row, warning, event, decision, moved, now)
        session.add(outcome)
        if outcome.decision == "retry" and outcome.retry_at is not None and warning.phone:
            _queue_retry(
                session,
                warning,
                row.channel,
                row.language,
                row.attempt_key,
                outcome.retry_at,
                now,
                report,
            )
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
    """Queue contacts, ``send`` (the dispatcher until idle), apply outcomes; repeat while a
    pass queued a contact to send now or applied an outcome (a failed SMS gets a call, a held
    warning its fallback SMS; at most ``max_rounds``). A repeated call queued for later is
    left waiting in the outbox (``report.scheduled``)."""
    total = OutreachReport()
    for _ in range(max_rounds):
        with transaction(factory) as session:
            queued = queue_contacts(session, channels, clock())
        total.add(queued)
        send()
        with transaction(factory) as session:
            applied = apply_outcomes(session, rules, clock())
        total.add(applied)
        total.rounds += 1
        if not (queued.queued or applied.queued or applied.outcomes):
            break  # an applied outcome may call for a contact (a fallback SMS): one more pass
    return total
