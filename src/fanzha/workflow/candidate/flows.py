"""Orchestration of the review queue: proposals from a number scan, confirm and reject.

Every decision is written to the audit log; a confirmation also writes a phone indicator
(blacklist entry) with provenance and an expiry into the event store.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from fanzha.core.phone import display
from fanzha.store.event_store import EventStore
from fanzha.workflow.audit import service as audit
from fanzha.workflow.candidate import service
from fanzha.workflow.candidate.indicators import PhoneIndicator, append_phone_indicator
from fanzha.workflow.candidate.models import CONFIRMED, REJECTED, CandidateIndicator

DEFAULT_EXPIRY_DAYS = 90
EVIDENCE_COLUMNS = (
    "out_calls",
    "distinct_callees",
    "short_call_share",
    "callback_ratio",
    "night_share",
    "max_sims_per_imei",
    "callee_communities",
    "age_days",
)


def propose_suspects(
    *,
    session: Session,
    suspects: pd.DataFrame,
    scored: pd.DataFrame,
    last_activity: dict[int, dt.datetime],
    now: dt.datetime,
) -> list[CandidateIndicator]:
    """Propose each suspected number; returns the candidates added or refreshed."""
    features = scored.set_index("phone")
    proposed = []
    for row in suspects.to_dict("records"):
        phone = int(row["phone"])
        candidate = service.propose(
            session=session,
            kind="phone",
            value=display(phone),
            phone=phone,
            score=float(row["score"]),
            fraud_type=str(row["fraud_type"]),
            model_version=str(row["model_version"]),
            evidence=_evidence(features, phone),
            last_activity=last_activity.get(phone),
            now=now,
        )
        if candidate is not None:
            proposed.append(candidate)
    return proposed


def _evidence(features: pd.DataFrame, phone: int) -> dict[str, Any]:
    if phone not in features.index:
        return {}
    row = features.loc[phone].to_dict()
    values = {c: float(row[c]) for c in EVIDENCE_COLUMNS if c in row}
    return {k: round(v, 4) for k, v in values.items() if not math.isnan(v)}


def confirm(
    *,
    session: Session,
    store: EventStore,
    candidate_id: int,
    by: str,
    now: dt.datetime,
    expiry_days: int = DEFAULT_EXPIRY_DAYS,
    note: str | None = None,
) -> CandidateIndicator:
    """Confirm a candidate: blacklist entry with provenance and expiry, audit record."""
    valid_to = now + dt.timedelta(days=expiry_days)
    candidate = service.decide(
        session=session,
        candidate_id=candidate_id,
        status=CONFIRMED,
        by=by,
        now=now,
        note=note,
        valid_to=valid_to,
    )
    if candidate.phone is not None:
        source = f"model {candidate.model_version}; candidate #{candidate.id} confirmed by {by}"
        append_phone_indicator(
            store,
            PhoneIndicator(
                phone=candidate.phone,
                fraud_type=candidate.fraud_type,
                source=source,
                confidence=candidate.score,
                valid_from=now,
                valid_to=valid_to,
            ),
        )
    _audit(session, candidate, by, "candidate.confirm", now, expiry_days=expiry_days)
    return candidate


def reject(
    *, session: Session, candidate_id: int, by: str, now: dt.datetime, note: str | None = None
) -> CandidateIndicator:
    """Reject a candidate: it is not proposed again without newer activity."""
    candidate = service.decide(
        session=session, candidate_id=candidate_id, status=REJECTED, by=by, now=now, note=note
    )
    _audit(session, candidate, by, "candidate.reject", now)
    return candidate


def _audit(
    session: Session,
    candidate: CandidateIndicator,
    by: str,
    action: str,
    now: dt.datetime,
    **extra: Any,
) -> None:
    detail = {
        "score": candidate.score,
        "model_version": candidate.model_version,
        "fraud_type": candidate.fraud_type,
        "note": candidate.note,
        **extra,
    }
    audit.append(
        session=session,
        actor=by,
        action=action,
        object_type="candidate_indicator",
        object_id=candidate.id,
        at=now,
        detail=detail,
    )
