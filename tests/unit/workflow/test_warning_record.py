"""The warning record shared by desk intake, detection and the flows: one history form, one
definition of open (issue 9, defects 1 and 2)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fanzha.detection.pipeline import DetectedWarning
from fanzha.workflow.outcome import flows as outcomes
from fanzha.workflow.outcome.models import Category, OutcomeCreate
from fanzha.workflow.roles import Role
from fanzha.workflow.warning import flows, intake
from fanzha.workflow.warning.from_detection import IntakeReport, take_in
from fanzha.workflow.warning.matching import ResidentMatch
from fanzha.workflow.warning.models import EarlyWarning
from fanzha.workflow.warning.routing import DeskConfig
from tests.unit.workflow.support import NOW, Desk

GAP = dt.timedelta(hours=72)
RESIDENT = "PA"
PHONE = 8613800000001


class OneResident:
    """A matcher that knows one resident, by phone."""

    def match(self, *, phone: int | None = None, id_number: str | None = None) -> ResidentMatch:
        return ResidentMatch(RESIDENT, "C1", "S1", "phone")


def detected(level: int = 3, minutes: int = 30) -> DetectedWarning:
    at = NOW + dt.timedelta(minutes=minutes)
    return DetectedWarning(
        resident_id=RESIDENT,
        episode_start=at,
        warned_at=at,
        last_signal_at=at,
        level=level,
        level_history=[{"level": level, "at": at.isoformat(sep=" ")}],
        fraud_type="fake_investment",
        score=6.0,
        n_signals=1,
        phone=PHONE,
        community="C1",
        station="S1",
        reasons=[
            {
                "time": at.isoformat(sep=" "),
                "kind": "indicator_call",
                "weight": 6.0,
                "level_floor": 0,
                "fraud_type": "fake_investment",
                "counterpart": "8613900000009",
                "detail": "call 600 s",
                "source": "national",
                "score_after": 6.0,
                "level_after": level,
            }
        ],
    )


def take(factory: sessionmaker[Session], *items: DetectedWarning) -> IntakeReport:
    with factory.begin() as session:
        return take_in(session, list(items), rules_version="r1", engine="duckdb", episode_gap=GAP)


def rows(factory: sessionmaker[Session]) -> list[EarlyWarning]:
    with factory() as session:
        return list(session.scalars(select(EarlyWarning).order_by(EarlyWarning.id)))


@pytest.fixture
def lead_desk(desk: Desk) -> Desk:
    desk.station("S1", ("C1",))
    desk.station("S2", ("C2",))
    return desk


def enter_lead(desk: Desk, config: DeskConfig, level: str = "medium") -> int:
    matched = DeskConfig(sla=config.sla, capacity=config.capacity, matcher=OneResident())  # type: ignore[arg-type]
    who = desk.user("op", Role.CENTRE_OPERATOR)
    data = intake.LeadCreate(phone="13800000001", level=level, source="bank", narrative="转账")
    with desk.factory.begin() as s:
        return intake.create(session=s, principal=who, data=data, config=matched, now=NOW).id


def test_take_in_after_a_matched_lead_merges_into_it(lead_desk: Desk, config: DeskConfig) -> None:
    wid = enter_lead(lead_desk, config)
    report = take(lead_desk.factory, detected(level=3))
    assert (report.created, report.raised) == (0, 1)
    [warning] = rows(lead_desk.factory)
    assert warning.id == wid and warning.level == 3
    steps = [(h.level, h.at) for h in warning.level_history]
    assert steps == [(2, NOW), (3, NOW + dt.timedelta(minutes=30))]


def test_take_in_keeps_how_the_lead_was_matched(lead_desk: Desk, config: DeskConfig) -> None:
    enter_lead(lead_desk, config)
    take(lead_desk.factory, detected(level=3))
    [warning] = rows(lead_desk.factory)
    kinds = {r.kind: r for r in warning.reasons}
    assert set(kinds) == {"upstream_lead", "indicator_call"}
    assert kinds["upstream_lead"].matched_by == "phone"
    again = take(lead_desk.factory, detected(level=3))
    assert again.unchanged == 1


def _transfer_out(desk: Desk, config: DeskConfig, wid: int) -> None:
    op = desk.user("op2", Role.CENTRE_OPERATOR)
    with desk.factory.begin() as s:
        flows.transfer(
            session=s,
            principal=op,
            warning_id=wid,
            to_station=None,
            note="moved to another city",
            config=config,
            now=NOW,
        )


def test_take_in_after_transfer_out_creates_a_new_warning(
    lead_desk: Desk, config: DeskConfig
) -> None:
    wid = lead_desk.warning(resident_id=RESIDENT, level=2, community="C1", station="S1")
    _transfer_out(lead_desk, config, wid)
    report = take(lead_desk.factory, detected(level=3))
    assert report.created == 1
    old, new = rows(lead_desk.factory)
    assert (old.id, old.level, old.is_open, old.status) == (wid, 2, False, "transferred")
    assert (new.level, new.is_open, new.station) == (3, True, "S1")


def test_take_in_after_a_final_outcome_creates_a_new_warning(
    lead_desk: Desk, config: DeskConfig
) -> None:
    officer = lead_desk.user("a", Role.STATION_OFFICER, "S1")
    wid = lead_desk.warning(resident_id=RESIDENT, level=2, community="C1", station="S1")
    data: dict[str, Any] = {
        "category": Category.DISSUADED,
        "version": 1,
        "confirmed_level": 2,
        "confirmed_type": "fake_investment",
    }
    with lead_desk.factory.begin() as s:
        outcomes.record(
            session=s,
            principal=officer,
            warning_id=wid,
            data=OutcomeCreate(**data),
            config=config,
            now=NOW,
        )
    assert take(lead_desk.factory, detected(level=3)).created == 1
