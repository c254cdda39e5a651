"""Warnings that do not come from detection: entered by hand or pushed by a partner's system."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from fanzha.core import fraud_types, idcard, phone
from fanzha.core.levels import Level
from fanzha.core.warning_record import LEAD_RULES_VERSION
from fanzha.errors import WorkflowError
from fanzha.workflow.audit import service as audit
from fanzha.workflow.roles import Permission, Principal
from fanzha.workflow.warning.matching import ResidentMatch
from fanzha.workflow.warning.models import EarlyWarning, LevelStep, Reason, WarningStatus
from fanzha.workflow.warning.routing import DeskConfig, route

SOURCES: tuple[str, ...] = ("detection", "upstream", "operator", "bank", "internet", "manual")
SOURCES += ("volunteer", "publicity")  # findings of publicity events (workflow.campaign)


class LeadCreate(BaseModel):
    """A lead (预警线索/指令) given by hand or by a partner."""

    phone: str = Field(min_length=3, max_length=32)
    id_number: str | None = Field(
        None, max_length=32, description="18-digit ID; used to match the resident, never stored"
    )
    level: str = Field(description="紧急/高/中/低 or emergency/high/medium/low or 4..1")
    fraud_type: str = "other"
    source: str = "manual"
    source_unit: str | None = Field(None, max_length=64)
    instruction_no: str | None = Field(None, max_length=64)
    community: str | None = Field(None, max_length=64)
    narrative: str = Field("", max_length=2000)


def _refuse_same_moment(session: Session, resident: str, now: dt.datetime) -> None:
    """A second lead on one person in the same instant is refused (one warning per episode).

    Without it the store's unique (resident, episode start) key fails with a server error,
    e.g. when one publicity event lists the same dissuaded phone twice.
    """
    found = session.scalars(
        select(EarlyWarning.id).where(
            EarlyWarning.resident_id == resident, EarlyWarning.episode_start == now
        )
    ).first()
    if found is not None:
        raise WorkflowError(
            "this person already has a warning from this very moment; add to it instead",
            warning_id=found,
        )


def create(
    *,
    session: Session,
    principal: Principal,
    data: LeadCreate,
    config: DeskConfig,
    now: dt.datetime,
) -> EarlyWarning:
    """Create and route a warning from a lead; the lead keeps its source and instruction."""
    principal.require(Permission.CREATE)
    try:
        key = phone.parse(data.phone)
        level = Level.parse(data.level)
        fraud_type = fraud_types.parse(data.fraud_type)
    except ValueError as exc:
        raise WorkflowError(str(exc)) from exc
    if data.source not in SOURCES:
        raise WorkflowError("unknown lead source", source=data.source)
    match = _match(config, key, data.id_number)
    resident = match.resident_id if match else f"lead-{key}"
    _refuse_same_moment(session, resident, now)
    warning = EarlyWarning(
        resident_id=resident,
        phone=key,
        community=(match.community if match else None) or data.community,
        station=match.station if match else None,
        episode_start=now,
        warned_at=now,
        last_signal_at=now,
        level=int(level),
        level_history=[LevelStep(level=int(level), at=now)],
        fraud_type=fraud_type,
        score=0.0,
        reasons=[_reason(data, fraud_type, now, match)],
        n_signals=1,
        rules_version=LEAD_RULES_VERSION,
        engine="desk",
        source=data.source,
        status=WarningStatus.NEW,
        source_unit=data.source_unit,
        instruction_no=data.instruction_no,
    )
    session.add(warning)
    session.flush()
    audit.append(
        session=session,
        actor=principal.label,
        action="create",
        object_type="warning",
        object_id=warning.id,
        at=now,
        detail={
            "source": data.source,
            "source_unit": data.source_unit,
            "instruction_no": data.instruction_no,
            "matched_by": match.by if match else None,
        },
    )
    route(session=session, warning=warning, config=config, now=now)
    session.flush()
    return warning


def _match(config: DeskConfig, key: int, id_number: str | None) -> ResidentMatch | None:
    """The resident of the lead's ID number or phone (``None`` without a matcher).

    A malformed ID number is refused even when there is nothing to match it against.
    """
    if config.matcher is not None:
        return config.matcher.match(phone=key, id_number=id_number)
    if id_number and id_number.strip():
        try:
            idcard.validate(id_number)
        except idcard.IdNumberError as exc:
            raise WorkflowError(str(exc), field="id_number") from exc
    return None


def _reason(
    data: LeadCreate, fraud_type: str, now: dt.datetime, match: ResidentMatch | None
) -> Reason:
    return Reason(
        kind="upstream_lead",
        time=now,
        weight=1.0,
        fraud_type=fraud_type,
        source=data.source,
        matched_by=match.by if match else None,
        evidence=data.narrative or f"{data.source_unit or data.source} {data.instruction_no or ''}",
    )
