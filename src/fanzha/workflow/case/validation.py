"""The rules a case must keep after every change (entry, import, API, account steps)."""

from __future__ import annotations

from fanzha.errors import WorkflowError
from fanzha.workflow.case.models import Case, CaseAccount
from fanzha.workflow.case.schemas import yuan

__all__ = ["check"]


def check(case: Case, accounts: list[CaseAccount]) -> None:
    """The rules a real officer's entry must keep; :class:`WorkflowError` for the first broken.

    Money only moves forward: paid ≥ frozen ≥ returned per account (the money held by a stop
    is also at most what was paid in), the accounts together received at most the loss; and
    time only moves forward: occurred ≤ reported ≤ stop ≤ freeze ≤ return, reported ≤ solved.
    """
    if case.occurred_at and case.occurred_at > case.reported_at:
        raise WorkflowError(
            "the fraud cannot have happened after it was reported", field="occurred_at"
        )
    if case.solved_at and case.solved_at < case.reported_at:
        raise WorkflowError("a case cannot be solved before it was reported", field="solved_at")
    if case.solved_at and not case.solved:
        case.solved = True
    paid = sum(a.paid_fen for a in accounts)
    if paid > (case.loss_fen or 0):
        raise WorkflowError(
            f"the payee accounts received {yuan(paid)} yuan, more than the loss "
            f"{yuan(case.loss_fen or 0)}",
            field="loss",
        )
    for account in accounts:
        _check_account(case, account)


def _check_account(case: Case, a: CaseAccount) -> None:
    where = {"account": a.account[-4:]}
    if a.stopped_fen > a.paid_fen:
        raise WorkflowError("the stop holds more than the victim paid in", field="stopped", **where)
    if a.frozen_fen > a.paid_fen:
        raise WorkflowError("more frozen than the victim paid in", field="frozen", **where)
    if a.returned_fen > a.frozen_fen:
        raise WorkflowError("more returned than was frozen", field="returned", **where)
    if a.stop_requested_at and a.stop_requested_at < case.reported_at:
        raise WorkflowError("a stop-payment cannot precede the report", field="stop_at", **where)
    if a.frozen_fen and a.frozen_at is None:
        raise WorkflowError("say when the money was frozen", field="frozen_at", **where)
    if a.returned_fen and a.returned_at is None:
        raise WorkflowError("say when the money was returned", field="returned_at", **where)
    if a.frozen_at and a.frozen_at < (a.stop_requested_at or case.reported_at):
        raise WorkflowError(
            "a freeze cannot precede the report or the stop", field="frozen_at", **where
        )
    if a.returned_at and a.frozen_at and a.returned_at < a.frozen_at:
        raise WorkflowError(
            "money cannot be returned before it was frozen", field="returned_at", **where
        )
