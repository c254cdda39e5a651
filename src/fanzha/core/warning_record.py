"""The warning record every writer and reader shares: reasons, level history, status.

Detection, desk intake, the simulated history, retention, the API and the pages all build and
read warnings' ``reasons`` and ``level_history`` through these types, and store them through
one serialise/parse pair (:func:`dump_reasons`/:func:`parse_reasons`,
:func:`dump_history`/:func:`parse_history`). Times are naive local times of the centre's zone,
stored as ISO 8601 with a ``T`` (``2026-11-01T09:30:00``), one form for every writer.

:class:`WarningStatus` holds the one definition of *open*: a warning is open until an outcome
closes it or it is transferred out of the centre's area. The ``is_open`` column of the
``warnings`` table is derived from the status (see ``workflow/warning/models.py``) and nowhere
else. Pure types, no I/O: detection (which must not import the workflow) uses them too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "CLOSED_STATUSES",
    "LEAD_RULES_VERSION",
    "OPEN_STATUSES",
    "SIM_RULES_VERSION",
    "LevelStep",
    "MatchedBy",
    "Reason",
    "WarningStatus",
    "dump_history",
    "dump_reasons",
    "merge_history",
    "parse_history",
    "parse_reasons",
]

MatchedBy = Literal["phone", "id_number"]
# ``rules_version`` of warnings no detection run produced (detection records its rules file's).
LEAD_RULES_VERSION = "lead"  # entered at the desk or pushed by a partner
SIM_RULES_VERSION = "sim-history"  # the simulated desk history (``fanzha.sim.history``)


class WarningStatus(StrEnum):
    """Where a warning is in its handling."""

    NEW = "new"  # created, not yet routed
    ROUTED = "routed"  # at a station (or the centre queue), awaiting sign-for
    SIGNED = "signed"  # 签收
    IN_PROGRESS = "in_progress"  # contacted, visited … not final
    TRANSFER_REQUESTED = "transfer_requested"  # the station asks the centre to move it
    CLOSED = "closed"  # a final outcome was recorded
    TRANSFERRED = "transferred"  # moved out of the centre's area

    @property
    def is_open(self) -> bool:
        """Whether the warning is still handled here (the one definition of open)."""
        return self not in _CLOSED

    @classmethod
    def parse(cls, value: str) -> WarningStatus:
        """The status named ``value``; :class:`ValueError` names the known ones otherwise."""
        try:
            return cls(value)
        except ValueError:
            known = ", ".join(s.value for s in cls)
            raise ValueError(f"unknown warning status {value!r}; one of {known}") from None


_CLOSED = frozenset({WarningStatus.CLOSED, WarningStatus.TRANSFERRED})
OPEN_STATUSES: tuple[WarningStatus, ...] = tuple(s for s in WarningStatus if s.is_open)
CLOSED_STATUSES: tuple[WarningStatus, ...] = tuple(s for s in WarningStatus if not s.is_open)


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Reason(_Record):
    """One piece of evidence behind a warning: a detected signal or a lead.

    Detection fills every field up to ``level_after``; a lead entered by hand or pushed by a
    partner has ``evidence`` (its narrative) and ``matched_by`` instead; a purge keeps only
    what reports count and sets ``purged``.
    """

    time: dt.datetime
    kind: str = Field(min_length=1, max_length=64)
    weight: float = 0.0
    level_floor: int = 0
    fraud_type: str | None = None
    counterpart: int | None = None  # the other number (phone key), when there is one
    detail: str | None = None
    evidence: str | None = None  # a lead's narrative, the simulated history's note
    source: str | None = None  # the indicator's or lead's source
    score_after: float | None = None
    level_after: int | None = None
    matched_by: MatchedBy | None = None  # leads: how the resident was found
    purged: bool = False

    @property
    def detected(self) -> bool:
        """Whether detection wrote this reason (it always records the level after it); the
        others — leads entered at the desk — survive when detection refreshes the warning."""
        return self.level_after is not None

    @property
    def text(self) -> str:
        """What the timeline shows as the evidence."""
        return self.detail or self.evidence or ""


class LevelStep(_Record):
    """The warning first reached ``level`` at ``at``."""

    level: int = Field(ge=1, le=4)
    at: dt.datetime


ReasonLike = Reason | Mapping[str, Any]
StepLike = LevelStep | Mapping[str, Any]


def parse_reasons(values: Iterable[ReasonLike] | None) -> list[Reason]:
    """Reasons from their stored (or hand-built) form; :class:`ValueError` on a bad one."""
    return [v if isinstance(v, Reason) else Reason.model_validate(v) for v in values or ()]


def parse_history(values: Iterable[StepLike] | None) -> list[LevelStep]:
    """A level history from its stored form, in level order."""
    steps = [v if isinstance(v, LevelStep) else LevelStep.model_validate(v) for v in values or ()]
    return sorted(steps, key=lambda s: (s.level, s.at))


def dump_reasons(values: Iterable[ReasonLike] | None) -> list[dict[str, Any]]:
    """The stored (JSON) form of reasons: defaults left out."""
    return [r.model_dump(mode="json", exclude_defaults=True) for r in parse_reasons(values)]


def dump_history(values: Iterable[StepLike] | None) -> list[dict[str, Any]]:
    """The stored (JSON) form of a level history."""
    return [s.model_dump(mode="json") for s in parse_history(values)]


def merge_history(old: Iterable[LevelStep], new: Iterable[LevelStep]) -> list[LevelStep]:
    """Both histories merged: for each level, the earliest time it was reached."""
    first: dict[int, dt.datetime] = {}
    for step in [*old, *new]:
        if step.level not in first or step.at < first[step.level]:
            first[step.level] = step.at
    return [LevelStep(level=level, at=first[level]) for level in sorted(first)]
