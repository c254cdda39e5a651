"""What a change to one workflow entity does to another, in one place.

- A recorded **stop-payment action** puts a restriction on the person
  (:func:`after_action` → :func:`fanzha.workflow.restriction.flows.create_from_action`).
- A recorded **outcome** moves its warning: a final one closes it, 申请移交 asks the centre to
  transfer it, any other keeps it in progress (:func:`after_outcome`).

The entity flows (``warning/flows.py``, ``outcome/flows.py``) record their own row and call
these in the same transaction; nothing else changes one entity because of another.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from fanzha.workflow.action.models import Action, ActionKind
from fanzha.workflow.outcome.models import CATEGORIES, Category
from fanzha.workflow.restriction import flows as restrictions
from fanzha.workflow.roles import Principal
from fanzha.workflow.warning.models import EarlyWarning, WarningStatus

__all__ = ["after_action", "after_outcome"]


def after_action(
    *, session: Session, principal: Principal, warning: EarlyWarning, action: Action
) -> None:
    """The consequences of an action on other entities (a stop-payment's restriction)."""
    if action.kind == ActionKind.STOP_PAYMENT.value:
        restrictions.create_from_action(
            session=session, principal=principal, warning=warning, action=action
        )


def after_outcome(warning: EarlyWarning, category: Category, now: dt.datetime) -> None:
    """The warning's status after an outcome of ``category``."""
    warning.outcome = category.value
    if CATEGORIES[category].final:
        warning.close(WarningStatus.CLOSED, now)
    elif category is Category.TRANSFER:
        warning.status = WarningStatus.TRANSFER_REQUESTED
    else:
        warning.status = WarningStatus.IN_PROGRESS
    if warning.signed_at is None:
        warning.signed_at = now
