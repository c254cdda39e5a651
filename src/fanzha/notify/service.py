"""What other packages call: request an automated contact for a warning, read its state.

The tiering (``workflow``) decides who gets an automated contact and calls
:func:`request_contact` inside its own transaction; the dispatcher (``fanzha notify run``)
sends it. :func:`contact_states` tells the tiering whether a contact was delivered or
confirmed (an unconfirmed contact escalates). Calling it again with the same warning,
channel and ``attempt`` is a no-op, so a retried transaction never sends twice. With
``not_before`` the dispatcher does not send it before that time (in the dispatcher's clock);
a dispatcher's ``prune`` hook may cancel it while it waits.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from fanzha.notify import outbox, templates
from fanzha.notify.models import OutboxRow


@dataclass(frozen=True)
class ContactState:
    """The state of one automated contact of a warning."""

    channel: str
    attempt_key: str
    status: str
    attempts: int
    sent_at: dt.datetime | None
    final_at: dt.datetime | None
    error: str | None


def request_contact(
    session: Session,
    *,
    warning_id: int,
    fraud_type: str,
    recipient: str,
    channel: str,
    form: str = "sms",
    language: str = "zh",
    attempt: str = "auto-1",
    now: dt.datetime | None = None,
    not_before: dt.datetime | None = None,
) -> str:
    """Queue one automated warning (``form`` ``sms`` or ``voice``), not sent before
    ``not_before`` if given; its client reference."""
    text = templates.render(fraud_type, form, language)
    intent = outbox.Intent(
        "warning",
        str(warning_id),
        channel,
        attempt,
        recipient,
        text.title,
        text.body,
        language,
        text.template,
        not_before,
    )
    outbox.enqueue(session, [intent], now or outbox.utcnow())
    return outbox.ref_for("warning", str(warning_id), channel, attempt)


def contact_states(session: Session, warning_id: int) -> list[ContactState]:
    """Every automated contact of a warning, oldest first."""
    rows = session.scalars(
        select(OutboxRow)
        .where(OutboxRow.subject_type == "warning", OutboxRow.subject_id == str(warning_id))
        .order_by(OutboxRow.id)
    )
    return [
        ContactState(r.channel, r.attempt_key, r.status, r.attempts, r.sent_at, r.final_at, r.error)
        for r in rows
    ]
