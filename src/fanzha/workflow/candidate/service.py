"""Keyword-only database functions for the candidate review queue."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fanzha.errors import ConflictError, NotFoundError
from fanzha.workflow.candidate.models import (
    CONFIRMED,
    PENDING,
    REJECTED,
    STATUSES,
    CandidateIndicator,
)


def get(*, session: Session, candidate_id: int) -> CandidateIndicator:
    """The candidate with this id or :class:`NotFoundError`."""
    candidate = session.get(CandidateIndicator, candidate_id)
    if candidate is None:
        raise NotFoundError("no such candidate", candidate=candidate_id)
    return candidate


def list_candidates(
    *, session: Session, status: str | None = PENDING, limit: int = 100
) -> list[CandidateIndicator]:
    """Candidates, highest score first; ``status=None`` lists every status."""
    query = select(CandidateIndicator).order_by(
        CandidateIndicator.score.desc(), CandidateIndicator.id
    )
    if status is not None:
        if status not in STATUSES:
            raise ValueError(f"unknown status {status!r}; use one of {', '.join(STATUSES)}")
        query = query.where(CandidateIndicator.status == status)
    return list(session.scalars(query.limit(limit)))


def history(*, session: Session, kind: str, value: str) -> list[CandidateIndicator]:
    """Every candidate row for one indicator value, oldest first."""
    query = (
        select(CandidateIndicator)
        .where(CandidateIndicator.kind == kind, CandidateIndicator.value == value)
        .order_by(CandidateIndicator.id)
    )
    return list(session.scalars(query))


def propose(
    *,
    session: Session,
    kind: str,
    value: str,
    phone: int | None,
    score: float,
    fraud_type: str,
    model_version: str,
    evidence: dict[str, Any],
    last_activity: dt.datetime | None,
    now: dt.datetime,
) -> CandidateIndicator | None:
    """Add or refresh a proposal; ``None`` when the value must not be proposed (see below).

    - a pending proposal for the value is refreshed (score, evidence), never duplicated;
    - a confirmed value still valid at ``now`` is not proposed again;
    - a rejected value is proposed again only with activity newer than the rejected evidence.
    """
    rows = history(session=session, kind=kind, value=value)
    pending = [r for r in rows if r.status == PENDING]
    if pending:
        return _refresh(pending[-1], score, fraud_type, model_version, evidence, last_activity)
    if any(r.status == CONFIRMED and (r.valid_to is None or r.valid_to > now) for r in rows):
        return None
    if not _has_new_evidence([r for r in rows if r.status == REJECTED], last_activity):
        return None
    candidate = CandidateIndicator(
        kind=kind,
        value=value,
        phone=phone,
        score=score,
        fraud_type=fraud_type,
        model_version=model_version,
        evidence=evidence,
        last_activity=last_activity,
        status=PENDING,
        proposed_at=now,
    )
    session.add(candidate)
    session.flush()
    return candidate


def _refresh(
    candidate: CandidateIndicator,
    score: float,
    fraud_type: str,
    model_version: str,
    evidence: dict[str, Any],
    last_activity: dt.datetime | None,
) -> CandidateIndicator:
    candidate.score, candidate.fraud_type = score, fraud_type
    candidate.model_version, candidate.evidence = model_version, evidence
    candidate.last_activity = last_activity
    return candidate


def _has_new_evidence(
    rejected: list[CandidateIndicator], last_activity: dt.datetime | None
) -> bool:
    if not rejected:
        return True
    seen = [r.last_activity for r in rejected if r.last_activity is not None]
    if not seen:
        return False
    return last_activity is not None and last_activity > max(seen)


def decide(
    *,
    session: Session,
    candidate_id: int,
    status: str,
    by: str,
    now: dt.datetime,
    note: str | None = None,
    valid_to: dt.datetime | None = None,
) -> CandidateIndicator:
    """Confirm or reject a pending candidate; :class:`ConflictError` if already decided."""
    if status not in (CONFIRMED, REJECTED):
        raise ValueError("a decision is 'confirmed' or 'rejected'")
    candidate = get(session=session, candidate_id=candidate_id)
    if candidate.status != PENDING:
        raise ConflictError(
            "candidate already decided", candidate=candidate_id, status=candidate.status
        )
    candidate.status, candidate.decided_by, candidate.decided_at = status, by, now
    candidate.note, candidate.valid_to = note, valid_to
    session.flush()
    return candidate
