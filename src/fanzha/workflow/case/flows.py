"""What people (and partner systems, and the importer) do to cases.

Every flow checks the principal's permission and scope, validates the whole case after the
change (:func:`check`), appends to the audit log and bumps the case's version — all in the
caller's transaction. Saving a case is an upsert by ``case_no`` and its accounts by account
number, so entering or importing the same report twice never duplicates it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from fanzha.core import phone
from fanzha.errors import NotFoundError, WorkflowError
from fanzha.workflow.audit import service as audit
from fanzha.workflow.case import service
from fanzha.workflow.case.batch import SaveBatch
from fanzha.workflow.case.linking import Victim, Warned, latest_warning
from fanzha.workflow.case.models import Case, CaseAccount
from fanzha.workflow.case.schemas import AccountCreate, CaseClocks, CaseCreate, fen_of
from fanzha.workflow.case.validation import check
from fanzha.workflow.concurrency import flush_or_conflict
from fanzha.workflow.roles import Permission, Principal
from fanzha.workflow.station import service as stations
from fanzha.workflow.warning.models import EarlyWarning

__all__ = [
    "SaveBatch",
    "SaveOutcome",
    "Victim",
    "add_account",
    "check",
    "record_freeze",
    "record_return",
    "record_solved",
    "record_stop",
    "reveal",
    "save",
    "view",
]


SaveOutcome = Literal["created", "updated", "unchanged"]


def save(
    *,
    session: Session,
    principal: Principal,
    data: CaseCreate,
    clocks: CaseClocks,
    now: dt.datetime,
    source: str = "manual",
    victim: Victim | None = None,
    batch: SaveBatch | None = None,
) -> tuple[Case, SaveOutcome]:
    """Create or update the case ``data.case_no``. A resend that changes nothing is
    ``unchanged``: no audit record, no new version.

    With ``batch`` (the importer's chunk) the lookups come from it and the audit record is
    collected in it, for :meth:`SaveBatch.write_audit` before the chunk commits."""
    principal.require(Permission.CASE_EDIT)
    if batch is None:
        case = session.scalar(select(Case).where(Case.case_no == data.case_no))
    else:
        case = batch.case(session, data.case_no)
    before = None
    stored: list[CaseAccount] | None = None
    if case is None:
        case = Case(
            case_no=data.case_no,
            source=source,
            reported_at=data.reported_at,
            loss_fen=0,
            solved=False,
            arrests=0,
            note="",
        )
        session.add(case)
    elif principal.station is not None and case.station != principal.station:
        raise NotFoundError("the case number belongs to a case outside your scope")
    elif batch is None:
        before = _state(case, service.accounts_of(session=session, case_ids=[case.id])[case.id])
    else:
        stored = batch.accounts_of(session, case)
        before = _state(case, stored)
    _fill(session, case, data, victim or Victim(), batch)
    if principal.station is not None and case.station != principal.station:
        raise WorkflowError("you may only enter cases of your own station", station=case.station)
    if batch is not None and stored is None:
        stored = []  # a new case has no accounts yet
    accounts = _upsert_accounts(session, case, data.accounts, clocks, stored)
    if data.loss_fen is None:
        case.loss_fen = max(case.loss_fen or 0, sum(a.paid_fen for a in accounts))
    check(case, accounts)
    if before is not None and before == _state(case, accounts):
        return case, "unchanged"
    _touch(case, now)
    flush_or_conflict(session, "case", case=case.id)
    outcome: SaveOutcome = "created" if before is None else "updated"
    detail = {"case_no": case.case_no, "source": source, "accounts": len(data.accounts)}
    action = f"case.{'create' if before is None else 'update'}"
    if batch is None:
        _audit(session, principal, case, action, now, detail)
    else:
        batch.audits.append(audit.Entry(principal.label, action, "case", str(case.id), now, detail))
    return case, outcome


_BOOKKEEPING = frozenset({"created_at", "updated_at", "version_id"})


def _state(case: Case, accounts: list[CaseAccount]) -> tuple[object, ...]:
    """The values a save could change, to tell a real update from a resend."""

    def values(obj: Case | CaseAccount) -> tuple[object, ...]:
        attrs = obj.__mapper__.column_attrs
        return tuple(getattr(obj, a.key) for a in attrs if a.key not in _BOOKKEEPING)

    return values(case), frozenset(values(a) for a in accounts)


def _fill(
    session: Session, case: Case, data: CaseCreate, victim: Victim, batch: SaveBatch | None
) -> None:
    case.reported_at = data.reported_at
    case.occurred_at = data.occurred_at or case.occurred_at
    case.victim_phone = data.phone_key or case.victim_phone
    case.victim_resident_id = data.resident_id or victim.resident_id or case.victim_resident_id
    case.victim_age = (
        data.victim_age if data.victim_age is not None else (victim.age or case.victim_age)
    )
    case.community = data.community or victim.community or case.community
    case.fraud_type = data.fraud_type or case.fraud_type or "other"
    if data.loss_fen is not None:
        case.loss_fen = data.loss_fen
    case.note = data.note or case.note or ""
    case.solved = data.solved or bool(case.solved)
    case.solved_at = data.solved_at or case.solved_at
    case.arrests = max(data.arrests, case.arrests or 0)
    if batch is None:
        warning: Warned | EarlyWarning | None = latest_warning(session, case)
    else:
        warning = batch.latest_warning(session, case)
    if warning is not None:
        case.warning_id = warning.id
        case.victim_resident_id = case.victim_resident_id or warning.resident_id
        case.community = case.community or warning.community
    station = data.station or victim.station
    if not station and batch is not None:
        station = batch.station_of_community(session, case.community)
    elif not station:
        station = stations.station_of_community(session=session, community=case.community)
    case.station = station or case.station or (warning.station if warning else None)


def _upsert_accounts(
    session: Session,
    case: Case,
    items: list[AccountCreate],
    clocks: CaseClocks,
    stored: list[CaseAccount] | None = None,
) -> list[CaseAccount]:
    """Add or correct ``items`` by account number; all the case's accounts. ``stored``: the
    case's accounts when the caller has them already (else they are read)."""
    session.flush()  # the case needs its id
    if stored is None:
        existing = service.accounts_of(session=session, case_ids=[case.id])[case.id]
    else:
        existing = list(stored)
    by_number = {a.account: a for a in existing}
    for item in items:
        account = by_number.get(item.account)
        if account is None:
            account = CaseAccount(
                case_id=case.id,
                account=item.account,
                bank="",
                paid_fen=0,
                stopped_fen=0,
                frozen_fen=0,
                returned_fen=0,
            )
            session.add(account)
            existing.append(account)
            by_number[item.account] = account
        _fill_account(account, item, clocks)
    return existing


def _fill_account(account: CaseAccount, item: AccountCreate, clocks: CaseClocks) -> None:
    account.bank = item.bank or account.bank or ""
    account.paid_fen = item.paid_fen
    account.paid_at = item.paid_at or account.paid_at
    if item.stop_at is not None:
        _set_stop(account, item.stop_at, fen_of(item.stopped), clocks)
    elif item.stopped is not None:
        account.stopped_fen = fen_of(item.stopped)
    if item.frozen_at is not None or item.frozen is not None:
        account.frozen_at = item.frozen_at or account.frozen_at
        account.frozen_fen = fen_of(item.frozen)
    if item.returned_at is not None or item.returned is not None:
        account.returned_at = item.returned_at or account.returned_at
        account.returned_fen = fen_of(item.returned)


def _set_stop(account: CaseAccount, at: dt.datetime, stopped_fen: int, clocks: CaseClocks) -> None:
    account.stop_requested_at = at
    account.stop_expires_at = at + dt.timedelta(hours=clocks.receive_only_hours)
    account.stopped_fen = stopped_fen


def _touch(case: Case, now: dt.datetime) -> None:
    """Mark the case changed: its row is updated and its version bumped, even when only an
    account changed (so a form opened before the change becomes stale)."""
    case.updated_at = now
    flag_modified(case, "updated_at")


def _audit(
    session: Session,
    principal: Principal,
    case: Case,
    action: str,
    now: dt.datetime,
    detail: dict[str, Any],
) -> None:
    audit.append(
        session=session,
        actor=principal.label,
        action=action,
        object_type="case",
        object_id=case.id,
        at=now,
        detail=detail,
    )


def view(
    *,
    session: Session,
    principal: Principal,
    case_id: int,
    now: dt.datetime,
    group: audit.GroupCommit | None = None,
) -> Case:
    """The case in scope; the view is audited (by group commit when ``group`` is given)."""
    case = service.get(session=session, principal=principal, case_id=case_id)
    entry = audit.Entry(principal.label, "view", "case", str(case.id), now)
    if group is None:
        audit.append_many(session=session, entries=[entry])
    else:
        group.append(session=session, entry=entry)
    return case


def add_account(
    *,
    session: Session,
    principal: Principal,
    case_id: int,
    data: AccountCreate,
    clocks: CaseClocks,
    now: dt.datetime,
) -> CaseAccount:
    """Add (or correct, by account number) a first-level payee account."""
    principal.require(Permission.CASE_EDIT)
    case = service.get(session=session, principal=principal, case_id=case_id)
    accounts = _upsert_accounts(session, case, [data], clocks)
    if sum(a.paid_fen for a in accounts) > case.loss_fen:
        case.loss_fen = sum(a.paid_fen for a in accounts)  # the loss is at least what was paid
    check(case, accounts)
    account = next(a for a in accounts if a.account == data.account)
    return _changed(
        session, principal, case, account, "case.account", now, {"paid_fen": account.paid_fen}
    )


def _changed(
    session: Session,
    principal: Principal,
    case: Case,
    account: CaseAccount,
    action: str,
    now: dt.datetime,
    detail: dict[str, Any],
) -> CaseAccount:
    _touch(case, now)
    flush_or_conflict(session, "case", case=case.id)
    _audit(session, principal, case, action, now, {"account_id": account.id, **detail})
    return account


def _account_in_scope(
    session: Session, principal: Principal, case_id: int, account_id: int
) -> tuple[Case, CaseAccount, list[CaseAccount]]:
    principal.require(Permission.CASE_EDIT)
    case, account = service.get_account(
        session=session, principal=principal, case_id=case_id, account_id=account_id
    )
    return case, account, service.accounts_of(session=session, case_ids=[case.id])[case.id]


def record_stop(
    *,
    session: Session,
    principal: Principal,
    case_id: int,
    account_id: int,
    at: dt.datetime,
    stopped_fen: int,
    clocks: CaseClocks,
    now: dt.datetime,
) -> CaseAccount:
    """紧急止付 filed at ``at``: the account is receive-only until ``at`` + the configured hours."""
    case, account, accounts = _account_in_scope(session, principal, case_id, account_id)
    before = account.stop_requested_at
    _set_stop(account, at, stopped_fen, clocks)
    check(case, accounts)
    minutes = service.stop_minutes(case, account)
    detail = {"at": at, "stopped_fen": stopped_fen, "minutes": minutes, "before": before}
    return _changed(session, principal, case, account, "case.stop", now, detail)


def record_freeze(
    *,
    session: Session,
    principal: Principal,
    case_id: int,
    account_id: int,
    at: dt.datetime,
    frozen_fen: int,
    now: dt.datetime,
) -> CaseAccount:
    """冻结: the total frozen in the account for this victim (a new entry corrects the last)."""
    case, account, accounts = _account_in_scope(session, principal, case_id, account_id)
    before = account.frozen_fen
    account.frozen_at, account.frozen_fen = at, frozen_fen
    check(case, accounts)
    detail = {"at": at, "frozen_fen": frozen_fen, "before_fen": before}
    return _changed(session, principal, case, account, "case.freeze", now, detail)


def record_return(
    *,
    session: Session,
    principal: Principal,
    case_id: int,
    account_id: int,
    at: dt.datetime,
    returned_fen: int,
    now: dt.datetime,
) -> CaseAccount:
    """返还: the total of frozen money returned to the victim."""
    case, account, accounts = _account_in_scope(session, principal, case_id, account_id)
    before = account.returned_fen
    account.returned_at, account.returned_fen = at, returned_fen
    check(case, accounts)
    detail = {"at": at, "returned_fen": returned_fen, "before_fen": before}
    return _changed(session, principal, case, account, "case.return", now, detail)


def record_solved(
    *,
    session: Session,
    principal: Principal,
    case_id: int,
    solved: bool,
    solved_at: dt.datetime | None,
    arrests: int,
    now: dt.datetime,
) -> Case:
    """破案 and suspects arrested (``solved=False`` reopens and clears the time)."""
    principal.require(Permission.CASE_EDIT)
    case = service.get(session=session, principal=principal, case_id=case_id)
    if arrests < 0:
        raise WorkflowError("arrests cannot be negative", field="arrests")
    if solved and solved_at is None:
        raise WorkflowError("say when the case was solved", field="solved_at")
    case.solved, case.solved_at, case.arrests = solved, solved_at if solved else None, arrests
    check(case, service.accounts_of(session=session, case_ids=[case.id])[case.id])
    _touch(case, now)
    flush_or_conflict(session, "case", case=case.id)
    detail = {"solved": solved, "solved_at": case.solved_at, "arrests": arrests}
    _audit(session, principal, case, "case.solved", now, detail)
    return case


def reveal(
    *,
    session: Session,
    principal: Principal,
    case_id: int,
    purpose: str,
    now: dt.datetime,
    account_id: int | None = None,
) -> str:
    """The victim's full phone (``account_id`` None) or a full account number, for an action
    such as filing a stop-payment; the purpose is audited."""
    principal.require(Permission.REVEAL)
    if len(purpose.strip()) < 4:
        raise WorkflowError("give the purpose of unmasking (at least 4 characters)")
    if account_id is None:
        case = service.get(session=session, principal=principal, case_id=case_id)
        shown = phone.display(case.victim_phone) if case.victim_phone else "—"
    else:
        case, account = service.get_account(
            session=session, principal=principal, case_id=case_id, account_id=account_id
        )
        shown = account.account
    field = "phone" if account_id is None else "account"
    detail = {"field": field, "account_id": account_id, "purpose": purpose.strip()}
    _audit(session, principal, case, "reveal", now, detail)
    return shown
