"""Take detected warnings into the workflow store: one warning per resident and episode.

A detected episode that overlaps an open warning of the same resident updates that warning
(level only ever raised by detection, detected reasons and score refreshed, reasons entered at
the desk kept, level history merged); "open" is :attr:`WarningStatus.is_open` (the ``is_open``
column), so a warning closed by an outcome or transferred out is never raised in place;
otherwise a new warning is created. Re-running detection over the same data therefore changes
nothing, and new signals raise the level of the warning the desk already has.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from fanzha.detection.pipeline import DetectedWarning
from fanzha.workflow.warning.models import EarlyWarning, Reason, WarningStatus, merge_history


@dataclass
class IntakeReport:
    """How many warnings were created, raised in level, refreshed or left as they were."""

    created: int = 0
    raised: int = 0
    refreshed: int = 0
    unchanged: int = 0


def take_in(
    session: Session,
    detected: list[DetectedWarning],
    *,
    rules_version: str,
    engine: str,
    episode_gap: dt.timedelta,
) -> IntakeReport:
    """Create or update warnings for ``detected`` in one transaction (the caller commits)."""
    report = IntakeReport()
    open_by_resident = _open_warnings(session, {d.resident_id for d in detected})
    for item in detected:
        existing = _overlapping(open_by_resident.get(item.resident_id, []), item, episode_gap)
        if existing is None:
            warning = _new_warning(item, rules_version, engine)
            session.add(warning)
            open_by_resident.setdefault(item.resident_id, []).append(warning)
            report.created += 1
        else:
            outcome = _update(existing, item, rules_version)
            setattr(report, outcome, getattr(report, outcome) + 1)
    session.flush()
    return report


def _open_warnings(session: Session, residents: set[str]) -> dict[str, list[EarlyWarning]]:
    found: dict[str, list[EarlyWarning]] = {}
    ids = sorted(residents)
    for start in range(0, len(ids), 500):
        rows = session.scalars(
            select(EarlyWarning).where(
                EarlyWarning.resident_id.in_(ids[start : start + 500]),
                EarlyWarning.is_open.is_(True),
            )
        )
        for row in rows:
            found.setdefault(row.resident_id, []).append(row)
    return found


def _overlapping(
    candidates: list[EarlyWarning], item: DetectedWarning, gap: dt.timedelta
) -> EarlyWarning | None:
    for warning in candidates:
        if item.episode_start <= warning.last_signal_at + gap and (
            warning.episode_start <= item.last_signal_at + gap
        ):
            return warning
    return None


def _new_warning(item: DetectedWarning, rules_version: str, engine: str) -> EarlyWarning:
    return EarlyWarning(
        resident_id=item.resident_id,
        phone=item.phone,
        community=item.community,
        station=item.station,
        episode_start=item.episode_start,
        warned_at=item.warned_at,
        last_signal_at=item.last_signal_at,
        level=item.level,
        level_history=item.level_history,
        fraud_type=item.fraud_type,
        score=item.score,
        reasons=item.reasons,
        n_signals=item.n_signals,
        rules_version=rules_version,
        engine=engine,
        source=_source(item),
        status=WarningStatus.NEW,
    )


def _source(item: DetectedWarning) -> str:
    kinds = {r.kind for r in item.reasons}
    return "upstream" if kinds == {"upstream_lead"} else "detection"


def _update(warning: EarlyWarning, item: DetectedWarning, rules_version: str) -> str:
    reasons = _merge_reasons(warning.reasons, item.reasons)
    same = (
        warning.level >= item.level
        and warning.score == item.score
        and warning.last_signal_at == item.last_signal_at
        and warning.reasons == reasons
    )
    if same:
        return "unchanged"
    raised = item.level > warning.level
    warning.level = max(warning.level, item.level)
    warning.level_history = merge_history(warning.level_history, item.level_history)
    warning.episode_start = min(warning.episode_start, item.episode_start)
    warning.warned_at = min(warning.warned_at, item.warned_at)
    warning.last_signal_at = max(warning.last_signal_at, item.last_signal_at)
    warning.score, warning.reasons = item.score, reasons
    warning.n_signals = item.n_signals + len(reasons) - len(item.reasons)
    warning.fraud_type = item.fraud_type
    warning.rules_version = rules_version
    return "raised" if raised else "refreshed"


def _merge_reasons(old: list[Reason], detected: list[Reason]) -> list[Reason]:
    """The desk's own reasons (a matched lead, with how it was matched), then detection's."""
    return [r for r in old if not r.detected and r not in detected] + detected
