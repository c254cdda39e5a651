"""Publicity pages over HTTP: the event form (CSRF, refused input kept, findings as leads),
campaign list and detail, scope of a station."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy import select

from fanzha.workflow.campaign.models import (
    Campaign,
    EventFinding,
    PublicityEvent,
    PublicityPoint,
)
from fanzha.workflow.warning.models import EarlyWarning
from tests.unit.web.support import Browser

EVENT = {
    "kind": "enterprise",
    "held_at": "2026-03-02T09:00",
    "community": "C1",
    "place": "华兴电子厂",
    "participants": "6",
    "leaflets": "300",
    "banners": "1",
    "consultations": "20",
    "reached": "250",
    "f0_kind": "dissuaded",
    "f0_type": "fake_investment",
    "f0_phone": "13922220001",
    "f1_kind": "two_cards",
    "f1_type": "other",
}


def _campaign(app: FastAPI, b: Browser) -> int:
    response = b.post(
        "/campaigns/new",
        {
            "code": "P-1",
            "theme": "守护养老钱",
            "audience": "retirees",
            "starts_on": "2026-03-01",
            "ends_on": "2026-03-31",
            "areas": "C1，C2",
            "fraud_types": "fake_investment",
        },
    )
    assert response.status_code == 303, response.text
    with app.state.desk.factory() as s:
        campaign = s.scalar(select(Campaign).where(Campaign.code == "P-1"))
        assert campaign is not None and campaign.areas == ["C1", "C2"]
        return campaign.id


def test_publicity_event_form_records_event_and_leads(app: FastAPI) -> None:
    b = Browser(app)
    b.login("grid")
    campaign_id = _campaign(app, b)
    form = b.client.get(f"/publicity/event?campaign={campaign_id}")
    assert form.status_code == 200 and 'name="f2_phone"' in form.text
    assert b.client.post("/publicity/event", data=EVENT).status_code == 403  # no CSRF token
    refused = b.post(
        "/publicity/event", {**EVENT, "campaign_id": str(campaign_id), "leaflets": "-3"}
    )
    assert refused.status_code == 422 and 'value="华兴电子厂"' in refused.text
    saved = b.post("/publicity/event", {**EVENT, "campaign_id": str(campaign_id)})
    assert saved.status_code == 303 and saved.headers["location"].startswith(
        f"/campaigns/{campaign_id}"
    )
    with app.state.desk.factory() as s:
        event = s.scalar(select(PublicityEvent))
        assert event is not None and (event.station, event.reached, event.leaflets) == (
            "S1",
            250,
            300,
        )
        findings = list(s.scalars(select(EventFinding).order_by(EventFinding.id)))
        assert [f.kind for f in findings] == ["dissuaded", "two_cards"]
        lead = s.get(EarlyWarning, findings[0].warning_id)
        assert lead is not None and (lead.source, lead.outcome) == ("publicity", "dissuaded")
    detail = b.client.get(f"/campaigns/{campaign_id}")
    assert detail.status_code == 200
    assert 'data-total="reached">250<' in detail.text and "13922220001" not in detail.text
    listing = b.client.get("/campaigns")
    assert (
        'data-figure="dissuaded">1<' in listing.text
        and 'data-figure="leaflets">300<' in listing.text
    )


def test_publicity_other_station_sees_nothing_of_it(app: FastAPI) -> None:
    b = Browser(app)
    b.login("officer")
    campaign_id = _campaign(app, b)  # a station officer's campaign belongs to S1
    assert b.post("/publicity/event", EVENT).status_code == 303
    other = Browser(app)
    other.login("officer2")
    assert other.client.get(f"/campaigns/{campaign_id}").status_code == 404
    listing = other.client.get("/campaigns")
    assert "华兴电子厂" not in listing.text and 'data-figure="events">0<' in listing.text
    refused = other.post("/publicity/event", EVENT)  # C1 is S1's community
    assert refused.status_code == 422 and "another station" in refused.text


def test_publicity_pages_in_english(app: FastAPI) -> None:
    b = Browser(app)
    b.login("operator")
    b.client.get("/lang/en?next=/campaigns")
    page = b.client.get("/publicity/event")
    assert "Record an event" in page.text and "market day" in page.text


def test_publicity_dashboard_shows_tiles_and_heat_table(app: FastAPI) -> None:
    b = Browser(app)
    b.login("operator")
    assert b.post("/publicity/event", EVENT).status_code == 303
    s = Browser(app)
    s.login("supervisor")
    page = s.client.get("/dashboard")
    assert page.status_code == 200
    assert 'data-kpi="pub-events"' in page.text and 'data-community="C1"' in page.text


def test_publicity_event_records_its_fixed_point_and_refuses_another_stations(
    app: FastAPI,
) -> None:
    operator = Browser(app)
    operator.login("operator")
    point = {"name": "城关广场宣传点", "community": "C1", "address": "城关路 1 号", "active": "yes"}
    assert operator.post("/publicity/points/new", point).status_code == 303
    with app.state.desk.factory() as s:
        saved = s.scalar(select(PublicityPoint))
        assert saved is not None
        point_id = saved.id
    b = Browser(app)
    b.login("officer")
    assert "城关广场宣传点" in b.client.get("/publicity/event").text  # offered on the form
    assert b.post("/publicity/event", {**EVENT, "point_id": str(point_id)}).status_code == 303
    with app.state.desk.factory() as s:
        event = s.scalar(select(PublicityEvent))
        assert event is not None and event.point_id == point_id
    other = Browser(app)
    other.login("officer2")
    assert "城关广场宣传点" not in other.client.get("/publicity/event").text
    theirs = {**EVENT, "community": "C2", "place": "二所门口", "point_id": str(point_id)}
    refused = other.post("/publicity/event", theirs)
    assert refused.status_code == 422 and "no such publicity point in your area" in refused.text
