"""Campaign figures in the dashboard block and the monthly/trial report: events, reach,
leaflets, active volunteers, findings, with 环比; the community heat table beside the harm."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session, sessionmaker

from fanzha.reporting.build import build_report
from fanzha.reporting.periods import Grain, Period
from fanzha.reporting.publicity import community_rows, dashboard_block, report_section
from fanzha.workflow.campaign.models import EventFinding, PublicityEvent
from fanzha.workflow.case.models import Case
from fanzha.workflow.volunteer.models import Volunteer

MARCH = Period(dt.datetime(2026, 3, 1), dt.datetime(2026, 4, 1), Grain.MONTH)


def _store(factory: sessionmaker[Session]) -> None:
    with factory.begin() as s:
        for day, community, reached, leaflets in ((3, "C1", 300, 200), (20, "C2", 100, 50)):
            event = PublicityEvent(
                kind="market", community=community, station="S1", reached=reached,
                leaflets=leaflets, held_at=dt.datetime(2026, 3, day, 9),
            )  # fmt: skip
            s.add(event)
            s.flush()
            s.add(EventFinding(event_id=event.id, kind="two_cards", details={}))
        s.add(
            PublicityEvent(
                kind="online", community="C1", reached=40, held_at=dt.datetime(2026, 2, 9)
            )
        )
        s.add(EventFinding(event_id=event.id, kind="dissuaded", details={}))
        stays = (
            (dt.date(2026, 1, 1), None),
            (dt.date(2026, 3, 30), None),
            (dt.date(2025, 5, 1), dt.date(2026, 2, 1)),
        )
        for i, (joined, left) in enumerate(stays):
            s.add(Volunteer(phone=8613900000000 + i, name=f"v{i}", category="student",
                            joined_on=joined, left_on=left, active=left is None))  # fmt: skip
        for n, community in enumerate(("C2", "C2", "C3")):
            s.add(Case(case_no=f"K{n}", reported_at=dt.datetime(2026, 3, 5), community=community,
                       fraud_type="other", loss_fen=100_00 * (n + 1)))  # fmt: skip


def test_publicity_figures_dashboard_block(factory: sessionmaker[Session]) -> None:
    _store(factory)
    with factory() as s:
        block = dashboard_block(s, MARCH, None)
        tiles = {t["key"]: t for t in block["tiles"]}
        assert {k: t["value"] for k, t in tiles.items()} == {
            "events": 2, "reached": 400, "leaflets": 250,
            "volunteers_active": 2, "hazards": 2, "dissuaded": 1,
        }  # fmt: skip
        assert (
            tiles["events"]["mom"]["previous"] == 1.0
            and tiles["events"]["mom"]["direction"] == "up"
        )
        rows = {r["community"]: r for r in block["communities"]}
        assert next(iter(rows)) == "C2"  # most victims first
        assert (rows["C2"]["victims"], rows["C2"]["loss"], rows["C2"]["events"]) == (2, 300, 1)
        assert (rows["C3"]["events"], rows["C1"]["victims"]) == (0, 0)
        assert rows["C2"]["heat"] > rows["C1"]["heat"]
        own = [r["community"] for r in community_rows(s, MARCH, station="S1")]
        assert own == ["C1", "C2"]  # harm of S1's cases only: these have no station


def test_publicity_figures_in_the_monthly_and_trial_reports(factory: sessionmaker[Session]) -> None:
    _store(factory)
    with factory() as s:
        section = report_section(s, MARCH, "en")
        figures, heat = section.tables
        assert figures.rows[0] == ("Events", 2, 1)
        assert figures.rows[3] == ("Active volunteers", 2, 1)
        assert heat.rows[0][:5] == ("C2", 1, 100, 0, 2)
        monthly = build_report(s, MARCH, "monthly", lang="zh")
        trial = build_report(s, MARCH, "trial", lang="zh")
    assert "宣传与志愿者" in [x.title for x in monthly.sections]
    trial_section = next(x for x in trial.sections if x.title == "宣传与志愿者")
    assert len(trial_section.tables[0].columns) == 2  # no previous period in a trial report
