"""What a purge keeps of a record: pure functions, no database.

Kept: kinds, weights, levels, scores, fraud types, times, sources, how a lead was matched —
what reports and rule statistics count. Dropped: phone numbers of counterparts, URLs, hosts,
app packages, accounts, amounts written into evidence, narratives and free-text notes.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import Any

from fanzha.core.warning_record import Reason

__all__ = [
    "ACTION_DETAIL_KEPT",
    "PURGED_PREFIX",
    "REASON_KEPT",
    "is_placeholder",
    "new_token",
    "scrub_details",
    "scrub_reasons",
]

PURGED_PREFIX = "purged:"
# Keys of a warning's reasons (detection's evidence and upstream leads) that survive a purge.
REASON_KEPT = frozenset(
    {
        "time",
        "kind",
        "weight",
        "level_floor",
        "fraud_type",
        "source",
        "score_after",
        "level_after",
        "matched_by",
    }
)
# Keys of an action's details that survive: stations and desk users a warning moved between.
ACTION_DETAIL_KEPT = frozenset({"from", "to", "stage"})


def new_token() -> str:
    """A random placeholder for a person's resident id (no way back to the person)."""
    return PURGED_PREFIX + secrets.token_hex(8)


def is_placeholder(resident_id: str | None) -> bool:
    """Whether a resident id is already a purge placeholder."""
    return resident_id is not None and resident_id.startswith(PURGED_PREFIX)


def scrub_reasons(reasons: Iterable[Reason] | None) -> list[Reason]:
    """Each reason stripped to its kind, weight, level, type and time; marked ``purged``."""
    return [
        Reason.model_validate({**reason.model_dump(include=set(REASON_KEPT)), "purged": True})
        for reason in reasons or []
    ]


def scrub_details(details: dict[str, Any] | None) -> dict[str, Any]:
    """An action's details without free text (stop-payment reason, notice …)."""
    return {k: v for k, v in (details or {}).items() if k in ACTION_DETAIL_KEPT}
