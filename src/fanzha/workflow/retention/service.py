"""Keyword-only database functions of the purge: which rows are due, and purging a batch.

A record is *old enough* (``cutoff`` = as-of date minus the retention period):

- a **warning** when it is closed (``is_open`` false: closed by an outcome or transferred
  out) with ``closed_at`` before the cutoff, and no *active* protective stop-payment holds
  (the person must still be able to appeal it);
- a **case** when its latest date — report, solution, and every payee account's payment,
  stop-payment, freeze and return — is before the cutoff, and no account has frozen money
  awaiting its return (frozen, no return recorded yet: the victim must stay reachable; a
  recorded partial, pro-rata return counts as done).

A person's records are purged together: a warning is *due* only when every not-yet-purged
warning with the same ``resident_id`` is old enough, and so is every not-yet-purged case
naming one of them (by resident id or phone); a case only when it is old enough and every
not-yet-purged warning it names is due. Otherwise the record is *held* (and counted). So a
report never sees one person half purged: distinct people, and post-warning victimisation
(which joins warnings and cases by resident id or phone), stay the same. Rows already in
``retention_purged`` are never due again.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from sqlalchemy import (
    ColumnElement,
    and_,
    bindparam,
    exists,
    false,
    func,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.orm import Session, aliased

from fanzha.core.masking import mask_account
from fanzha.notify.models import OutboxRow
from fanzha.workflow.action.models import Action
from fanzha.workflow.case.models import Case, CaseAccount
from fanzha.workflow.outcome.models import Outcome
from fanzha.workflow.restriction.models import Appeal, Restriction, RestrictionStatus
from fanzha.workflow.retention import tokens
from fanzha.workflow.retention.models import PurgedRow
from fanzha.workflow.retention.scrub import scrub_details, scrub_reasons
from fanzha.workflow.warning.models import EarlyWarning

__all__ = [
    "count_due",
    "due_cases",
    "due_warnings",
    "held_counts",
    "person_groups",
    "purge_cases",
    "purge_warnings",
    "purged_counts",
]

# Entities are ``EarlyWarning``/``Case`` or aliases of them (typed loosely: SQLAlchemy's
# aliases are not the mapped classes for mypy).
_W = Any
_C = Any


def _not_purged(table: str, row_id: Any) -> ColumnElement[bool]:
    return ~exists().where(PurgedRow.table_name == table, PurgedRow.row_id == row_id)


def _linked(w: _W, c: _C) -> ColumnElement[bool]:
    """The case names the warning's person (purged rows never match: their ids are tokens)."""
    return or_(c.victim_resident_id == w.resident_id, c.victim_phone == w.phone)


def _warning_old(w: _W, cutoff: dt.datetime) -> ColumnElement[bool]:
    active = exists().where(
        Restriction.warning_id == w.id, Restriction.status == RestrictionStatus.ACTIVE.value
    )
    # coalesce(): keeps SQLite off the ``is_open`` index (it would read every closed warning
    # and sort them: 1.8 s over 400 k, where walking the primary key takes milliseconds).
    is_closed = func.coalesce(w.is_open, true()) == false()
    closed = and_(is_closed, w.closed_at.is_not(None), w.closed_at < cutoff)
    return and_(closed, ~active)  # written NULL-safe: a NOT over NULL would hide rows


def _case_dates_old(c: _C, cutoff: dt.datetime) -> ColumnElement[bool]:
    """Report, solution and every account date before the cutoff."""
    a = aliased(CaseAccount)
    times = (a.paid_at, a.stop_requested_at, a.stop_expires_at, a.frozen_at, a.returned_at)
    recent_account = exists().where(a.case_id == c.id, or_(*(t >= cutoff for t in times)))
    solved_recently = and_(c.solved_at.is_not(None), c.solved_at >= cutoff)
    return and_(c.reported_at < cutoff, ~solved_recently, ~recent_account)


def _case_old(c: _C, cutoff: dt.datetime) -> ColumnElement[bool]:
    b = aliased(CaseAccount)
    money_owed = exists().where(
        b.case_id == c.id, b.frozen_fen > b.returned_fen, b.returned_at.is_(None)
    )
    return and_(_case_dates_old(c, cutoff), ~money_owed)


def _warning_ready(w: _W, cutoff: dt.datetime) -> ColumnElement[bool]:
    """Old enough, and so is every not-yet-purged case naming its person."""
    c = aliased(Case)
    blocking = exists().where(_linked(w, c), ~_case_old(c, cutoff))
    return and_(_warning_old(w, cutoff), ~blocking)


def _warning_due(w: _W, cutoff: dt.datetime) -> ColumnElement[bool]:
    """Every not-yet-purged warning of the same person (``w`` too) is ready."""
    other = aliased(EarlyWarning)
    waiting = exists().where(other.resident_id == w.resident_id, ~_warning_ready(other, cutoff))
    return and_(_warning_old(w, cutoff), ~waiting)


def _case_due(c: _C, cutoff: dt.datetime) -> ColumnElement[bool]:
    w = aliased(EarlyWarning)
    blocking = exists().where(_linked(w, c), ~_warning_due(w, cutoff))
    return _case_old(c, cutoff) & ~blocking


def due_warnings(
    *, session: Session, cutoff: dt.datetime, among: list[int] | None = None
) -> list[int]:
    """Ids of warnings due for purging, a person's together (only ``among`` these, if given)."""
    w = EarlyWarning
    where = [_warning_due(w, cutoff), _not_purged("warnings", w.id)]
    if among is not None:
        where.append(w.id.in_(among))
    return list(session.scalars(select(w.id).where(*where).order_by(w.resident_id, w.id)))


def person_groups(*, session: Session, ids: list[int]) -> list[list[int]]:
    """The warning ids (in the given order) grouped by person, so a batch never splits one."""
    owner: dict[int, str] = {}
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        query = select(EarlyWarning.id, EarlyWarning.resident_id).where(EarlyWarning.id.in_(chunk))
        owner.update({int(i): str(r) for i, r in session.execute(query)})
    groups: dict[str, list[int]] = {}
    for i in ids:
        groups.setdefault(owner.get(i, f"#{i}"), []).append(i)
    return list(groups.values())


def due_cases(
    *, session: Session, cutoff: dt.datetime, among: list[int] | None = None
) -> list[int]:
    """Ids of cases due for purging, in id order (purge the warnings first)."""
    where = [_case_due(Case, cutoff), _not_purged("cases", Case.id)]
    if among is not None:
        where.append(Case.id.in_(among))
    return list(session.scalars(select(Case.id).where(*where).order_by(Case.id)))


def _count(session: Session, entity: Any, *where: ColumnElement[bool]) -> int:
    return int(session.scalar(select(func.count()).select_from(entity).where(*where)) or 0)


def count_due(*, session: Session, cutoff: dt.datetime) -> dict[str, int]:
    """How many warnings and cases a purge at this cutoff would purge (for ``--dry-run``)."""
    w, c = EarlyWarning, Case
    return {
        "warnings": _count(session, w, _warning_due(w, cutoff), _not_purged("warnings", w.id)),
        "cases": _count(session, c, _case_due(c, cutoff), _not_purged("cases", c.id)),
    }


def held_counts(*, session: Session, cutoff: dt.datetime) -> dict[str, int]:
    """Closed before the cutoff but held back (active restriction, money owed, linked record)."""
    w, c = EarlyWarning, Case
    old_w = (w.is_open.is_(False), w.closed_at < cutoff, _not_purged("warnings", w.id))
    old_c = (_case_dates_old(c, cutoff), _not_purged("cases", c.id))
    return {
        "warnings_held": _count(session, w, *old_w, ~_warning_due(w, cutoff)),
        "cases_held": _count(session, c, *old_c, ~_case_due(c, cutoff)),
    }


def purged_counts(*, session: Session) -> dict[str, int]:
    """Rows purged so far, per table."""
    rows = session.execute(
        select(PurgedRow.table_name, func.count()).group_by(PurgedRow.table_name)
    )
    return {str(table): int(n) for table, n in rows}


def purge_warnings(
    *, session: Session, ids: list[int], run_id: int, now: dt.datetime
) -> Counter[str]:
    """Purge the personal data of these warnings and of their actions, outcomes, restrictions."""
    counts: Counter[str] = Counter()
    placeholders: dict[int, str] = {}
    warnings = list(session.scalars(select(EarlyWarning).where(EarlyWarning.id.in_(ids))))
    people = tokens.Tokens(
        session=session,
        now=now,
        resident_ids=[w.resident_id for w in warnings],
        phones=[w.phone for w in warnings],
    )
    for warning in warnings:
        token = people.for_resident(warning.resident_id, warning.phone)
        placeholders[warning.id] = token
        warning.resident_id, warning.phone = token, None
        warning.reasons = scrub_reasons(warning.reasons)
        counts["warnings"] += 1
    counts["actions"] += _purge_actions(session, ids)
    result = session.execute(update(Outcome).where(Outcome.warning_id.in_(ids)).values(note=""))
    counts["outcomes"] += int(result.rowcount or 0)  # type: ignore[attr-defined]
    counts.update(_purge_restrictions(session, placeholders))
    counts["outreach"] += _purge_outbox(session, placeholders)
    _mark(session, "warnings", ids, run_id, now)
    session.flush()
    return counts


def _purge_outbox(session: Session, placeholders: dict[int, str]) -> int:
    """The automated contacts of these warnings: the number becomes the person's placeholder,
    the text is dropped (template, channel, status, times and receipts are kept)."""
    rows = session.execute(
        select(OutboxRow.id, OutboxRow.subject_id).where(
            OutboxRow.subject_type == "warning",
            OutboxRow.subject_id.in_([str(i) for i in placeholders]),
        )
    ).all()
    if rows:
        table = OutboxRow.metadata.tables[OutboxRow.__tablename__]
        statement = (
            update(table)
            .where(table.c.id == bindparam("row"))
            .values(recipient=bindparam("token"), body="", title="")
        )
        values = [{"row": r, "token": placeholders[int(w)]} for r, w in rows]
        session.connection().execute(statement, values)
    return len(rows)


def _purge_actions(session: Session, warning_ids: list[int]) -> int:
    """Notes cleared in one UPDATE; details rewritten only where they hold more than is kept."""
    rows = session.execute(
        select(Action.id, Action.details).where(Action.warning_id.in_(warning_ids))
    ).all()
    session.execute(update(Action).where(Action.warning_id.in_(warning_ids)).values(note=""))
    changed = [
        {"row": row_id, "kept": scrub_details(details)}
        for row_id, details in rows
        if scrub_details(details) != (details or {})
    ]
    if changed:
        table = Action.metadata.tables[Action.__tablename__]
        statement = (
            update(table).where(table.c.id == bindparam("row")).values(details=bindparam("kept"))
        )
        session.connection().execute(statement, changed)
    return len(rows)


def _purge_restrictions(session: Session, placeholders: dict[int, str]) -> Counter[str]:
    counts: Counter[str] = Counter()
    query = select(Restriction).where(Restriction.warning_id.in_(list(placeholders)))
    for restriction in session.scalars(query):
        restriction.resident_id = placeholders[restriction.warning_id]
        restriction.reason = restriction.notice = ""
        restriction.lift_reason = "" if restriction.lift_reason is not None else None
        counts["restrictions"] += 1
    appeals = select(Appeal).join(Restriction, Appeal.restriction_id == Restriction.id)
    for appeal in session.scalars(appeals.where(Restriction.warning_id.in_(list(placeholders)))):
        appeal.text = ""
        appeal.decision_note = "" if appeal.decision_note is not None else None
        counts["appeals"] += 1
    return counts


def purge_cases(*, session: Session, ids: list[int], run_id: int, now: dt.datetime) -> Counter[str]:
    """Purge the victims' phones and ids, notes, and mask the payee accounts of these cases."""
    counts: Counter[str] = Counter()
    cases = list(session.scalars(select(Case).where(Case.id.in_(ids))))
    people = tokens.Tokens(
        session=session,
        now=now,
        resident_ids=[c.victim_resident_id for c in cases],
        phones=[c.victim_phone for c in cases],
    )
    for case in cases:
        case.victim_resident_id = _case_placeholder(people, case)
        case.victim_phone, case.note = None, ""
        counts["cases"] += 1
    for account in session.scalars(select(CaseAccount).where(CaseAccount.case_id.in_(ids))):
        account.account = mask_account(account.account, purged=True)
        counts["case_accounts"] += 1
    _mark(session, "cases", ids, run_id, now)
    session.flush()
    return counts


def _case_placeholder(people: tokens.Tokens, case: Case) -> str | None:
    if case.victim_resident_id:
        return people.for_resident(case.victim_resident_id, case.victim_phone)
    if case.victim_phone is not None:
        return people.for_phone(case.victim_phone)
    return None


def _mark(session: Session, table: str, ids: list[int], run_id: int, now: dt.datetime) -> None:
    session.add_all(
        PurgedRow(table_name=table, row_id=row_id, run_id=run_id, purged_at=now) for row_id in ids
    )
