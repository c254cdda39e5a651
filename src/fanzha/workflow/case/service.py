"""Keyword-only queries over cases, always within the principal's scope.

As with warnings, a case outside the caller's station is *not found* (404), not forbidden.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy import case as when
from sqlalchemy.orm import Session

from fanzha.core import phone
from fanzha.core.masking import mask_account
from fanzha.errors import NotFoundError
from fanzha.workflow.case.models import Case, CaseAccount
from fanzha.workflow.case.schemas import AccountRead, CaseClocks, CaseRead
from fanzha.workflow.roles import Permission, Principal

__all__ = [
    "CaseFilter",
    "Totals",
    "account_read",
    "accounts_of",
    "case_read",
    "get",
    "get_account",
    "list_cases",
    "scoped",
    "stop_minutes",
    "totals",
]

AnySelect = Select[*tuple[Any, ...]]
_S = TypeVar("_S", bound=AnySelect)


@dataclass(frozen=True)
class CaseFilter:
    """Filters of the case list (page and API). Periods are on ``reported_at``."""

    since: dt.datetime | None = None
    until: dt.datetime | None = None  # exclusive
    station: str | None = None
    fraud_type: str | None = None
    solved: bool | None = None


def scoped(query: _S, principal: Principal) -> _S:
    """Restrict a query over cases to what ``principal`` may see."""
    principal.require(Permission.CASE_VIEW)
    if principal.station is not None:
        query = query.where(Case.station == principal.station)
    return query


def _filtered(query: _S, f: CaseFilter) -> _S:
    if f.since is not None:
        query = query.where(Case.reported_at >= f.since)
    if f.until is not None:
        query = query.where(Case.reported_at < f.until)
    if f.station:
        query = query.where(Case.station == f.station)
    if f.fraud_type:
        parent = f.fraud_type.partition("/")[0]
        query = query.where((Case.fraud_type == parent) | Case.fraud_type.like(parent + "/%"))
    if f.solved is not None:
        query = query.where(Case.solved.is_(f.solved))
    return query


def get(*, session: Session, principal: Principal, case_id: int) -> Case:
    """The case if it exists and is in scope, else :class:`NotFoundError`."""
    case: Case | None = session.scalar(scoped(select(Case).where(Case.id == case_id), principal))
    if case is None:
        raise NotFoundError("no such case", case=case_id)
    return case


def get_account(
    *, session: Session, principal: Principal, case_id: int, account_id: int
) -> tuple[Case, CaseAccount]:
    """A payee account of a case in scope, else :class:`NotFoundError`."""
    case = get(session=session, principal=principal, case_id=case_id)
    account = session.get(CaseAccount, account_id)
    if account is None or account.case_id != case.id:
        raise NotFoundError("no such account in this case", case=case_id, account=account_id)
    return case, account


def list_cases(
    *, session: Session, principal: Principal, filters: CaseFilter, limit: int = 50, offset: int = 0
) -> list[Case]:
    """Cases in scope matching ``filters``, the latest report first."""
    query = _filtered(scoped(select(Case), principal), filters)
    query = query.order_by(Case.reported_at.desc(), Case.id.desc())
    return list(session.scalars(query.limit(limit).offset(offset)))


def accounts_of(*, session: Session, case_ids: list[int]) -> dict[int, list[CaseAccount]]:
    """The payee accounts of the given cases, per case, in entry order."""
    found: dict[int, list[CaseAccount]] = {i: [] for i in case_ids}
    if not case_ids:
        return found
    query = select(CaseAccount).where(CaseAccount.case_id.in_(case_ids)).order_by(CaseAccount.id)
    for account in session.scalars(query):
        found[account.case_id].append(account)
    return found


@dataclass(frozen=True)
class Totals:
    """Sums over the cases of a list (what the list page shows at the top)."""

    cases: int
    solved: int
    arrests: int
    loss_fen: int
    frozen_fen: int
    returned_fen: int


def totals(*, session: Session, principal: Principal, filters: CaseFilter) -> Totals:
    """Counts and sums of loss, frozen and returned money over the filtered cases in scope."""
    head = _filtered(
        scoped(
            select(
                func.count(Case.id),
                func.coalesce(func.sum(Case.loss_fen), 0),
                func.coalesce(func.sum(when((Case.solved.is_(True), 1), else_=0)), 0),
                func.coalesce(func.sum(Case.arrests), 0),
            ),
            principal,
        ),
        filters,
    )
    n, loss, solved, arrests = session.execute(head).one()
    money = _filtered(
        scoped(
            select(
                func.coalesce(func.sum(CaseAccount.frozen_fen), 0),
                func.coalesce(func.sum(CaseAccount.returned_fen), 0),
            ).join(Case, Case.id == CaseAccount.case_id),
            principal,
        ),
        filters,
    )
    frozen, returned = session.execute(money).one()
    return Totals(int(n), int(solved), int(arrests), int(loss), int(frozen), int(returned))


def stop_minutes(case: Case, account: CaseAccount) -> int | None:
    """Whole minutes from the report to the stop-payment filing (None when not filed)."""
    if account.stop_requested_at is None:
        return None
    return int((account.stop_requested_at - case.reported_at).total_seconds() // 60)


def account_read(case: Case, account: CaseAccount, clocks: CaseClocks) -> AccountRead:
    """The masked read form of an account, with its stop clock."""
    minutes = stop_minutes(case, account)
    return AccountRead(
        id=account.id,
        bank=account.bank,
        account_masked=mask_account(account.account),
        paid_fen=account.paid_fen,
        paid_at=account.paid_at,
        stop_requested_at=account.stop_requested_at,
        stop_minutes_after_report=minutes,
        stop_on_time=None if minutes is None else minutes <= clocks.stop_minutes,
        stopped_fen=account.stopped_fen,
        stop_expires_at=account.stop_expires_at,
        frozen_at=account.frozen_at,
        frozen_fen=account.frozen_fen,
        returned_at=account.returned_at,
        returned_fen=account.returned_fen,
    )


def case_read(case: Case, accounts: list[CaseAccount], clocks: CaseClocks) -> CaseRead:
    """The masked read form of a case with its accounts."""
    return CaseRead(
        id=case.id,
        case_no=case.case_no,
        reported_at=case.reported_at,
        occurred_at=case.occurred_at,
        phone_masked=phone.mask(case.victim_phone) if case.victim_phone else "",
        resident_linked=case.victim_resident_id is not None,
        victim_age=case.victim_age,
        community=case.community,
        station=case.station,
        fraud_type=case.fraud_type,
        loss_fen=case.loss_fen,
        frozen_fen=sum(a.frozen_fen for a in accounts),
        returned_fen=sum(a.returned_fen for a in accounts),
        solved=case.solved,
        solved_at=case.solved_at,
        arrests=case.arrests,
        warning_id=case.warning_id,
        source=case.source,
        version=case.version_id,
        accounts=[account_read(case, a, clocks) for a in accounts],
    )
