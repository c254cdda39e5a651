"""Publicity on the JSON API (``/api/v1/publicity``): scopes, station scope of keys and users,
phones masked, filters and pages, events recorded through the form's own function (refused per
field, audited, idempotent by ``client_id``)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from fanzha.workflow.audit.models import AuditRecord
from fanzha.workflow.campaign.models import Campaign, PublicityEvent, PublicityPoint
from fanzha.workflow.roles import SCOPES
from fanzha.workflow.user import service as users
from fanzha.workflow.volunteer.importer import import_volunteers
from fanzha.workflow.volunteer.models import Team
from fanzha.workflow.warning.models import EarlyWarning
from tests.unit.web.support import NOW, Browser

EXAMPLE = Path(__file__).resolve().parents[3] / "docs" / "examples" / "volunteers.csv"
EVENT: dict[str, Any] = {
    "kind": "market",
    "held_at": "2026-03-02T09:00:00",
    "community": "C1",
    "place": "城关集市",
    "participants": 4,
    "leaflets": 200,
    "consultations": 12,
    "reached": 150,
    "findings": [
        {"kind": "dissuaded", "fraud_type": "fake_investment", "phone": "13922220001"},
        {"kind": "two_cards", "note": "收购银行卡"},
    ],
}


@pytest.fixture
def world(app: FastAPI, tmp_path: Path) -> dict[str, int]:
    """The example roster (S1: 张伟 李娜, team 城关蓝马甲一队; S2: 王芳 刘洋 陈静 (left), team
    东湖蓝马甲), a point and a campaign per station."""
    factory = app.state.desk.factory
    import_volunteers(EXAMPLE, factory=factory, now=NOW, quarantine_dir=tmp_path)
    with factory.begin() as s:
        ids: dict[str, int] = {}
        for station, community in (("S1", "C1"), ("S2", "C2")):
            point = PublicityPoint(name=f"{station} 警务站", community=community, station=station)
            campaign = Campaign(
                code=f"P-{station}",
                theme="守护养老钱",
                starts_on=dt.date(2026, 3, 1),
                ends_on=dt.date(2026, 3, 31),
                areas=[community],
                station=station,
            )
            s.add_all([point, campaign])
            s.flush()
            team = s.scalar(select(Team).where(Team.station == station))
            assert team is not None
            ids |= {f"point_{station}": point.id, f"campaign_{station}": campaign.id}
            ids[f"team_{station}"] = team.id
        old = Campaign(
            code="P-OLD",
            theme="寒假反诈",
            starts_on=dt.date(2026, 1, 10),
            ends_on=dt.date(2026, 2, 10),
        )
        s.add(old)
        s.flush()
        ids["campaign_old"] = old.id
    return ids


def _client(app: FastAPI, scopes: list[str], station: str | None = None) -> TestClient:
    with app.state.desk.factory.begin() as s:
        _, token = users.create_api_key(
            session=s, name=f"key-{len(scopes)}-{station}", scopes=scopes, station_code=station
        )
    client = TestClient(app)
    client.headers["X-API-Key"] = token
    return client


def _audits(app: FastAPI, action: str) -> list[AuditRecord]:
    with app.state.desk.factory() as s:
        return list(s.scalars(select(AuditRecord).where(AuditRecord.action == action)))


def _events(app: FastAPI) -> int:
    with app.state.desk.factory() as s:
        return int(s.scalar(select(func.count(PublicityEvent.id))) or 0)


READS = (
    "/api/v1/publicity/volunteers",
    "/api/v1/publicity/teams",
    "/api/v1/publicity/points",
    "/api/v1/publicity/campaigns",
    "/api/v1/publicity/events",
)


def test_publicity_scopes_are_declared() -> None:
    assert "publicity:read" in SCOPES and "publicity:write" in SCOPES


def test_publicity_api_refuses_a_key_without_the_scope(app: FastAPI, world: dict[str, int]) -> None:
    other = _client(app, ["warnings:read", "events:write"])
    for url in READS:
        answer = other.get(url)
        assert answer.status_code == 403, url
        assert answer.json()["error"] == "forbidden"
    assert other.post("/api/v1/publicity/events", json=EVENT).status_code == 403
    reader = _client(app, ["publicity:read"])
    assert all(reader.get(url).status_code == 200 for url in READS)
    refused = reader.post("/api/v1/publicity/events", json=EVENT)
    assert refused.status_code == 403 and refused.json()["context"]["permission"] == (
        "publicity_edit"
    )
    assert TestClient(app).get(READS[0]).status_code == 401  # no key, no session
    assert _events(app) == 0


def test_volunteers_masked_filtered_and_paginated(app: FastAPI, world: dict[str, int]) -> None:
    reader = _client(app, ["publicity:read"])
    answer = reader.get("/api/v1/publicity/volunteers")
    assert answer.status_code == 200
    rows = answer.json()
    assert {r["name"] for r in rows} == {"张伟", "李娜", "王芳", "刘洋", "陈静"}
    zhang = next(r for r in rows if r["name"] == "张伟")
    assert zhang["phone_masked"] == "138****5601" and zhang["leader"] is True
    assert zhang["team_id"] == world["team_S1"] and zhang["station"] == "S1"
    assert not re.search(r"1381234560\d", answer.text)  # never a full phone
    s2 = reader.get("/api/v1/publicity/volunteers", params={"station": "S2"}).json()
    assert {r["name"] for r in s2} == {"王芳", "刘洋", "陈静"}
    team = reader.get("/api/v1/publicity/volunteers", params={"team_id": world["team_S1"]})
    assert {r["name"] for r in team.json()} == {"张伟", "李娜"}
    left = reader.get("/api/v1/publicity/volunteers", params={"active": "false"}).json()
    assert [r["name"] for r in left] == ["陈静"] and left[0]["active"] is False
    page1 = reader.get("/api/v1/publicity/volunteers", params={"limit": 2}).json()
    page2 = reader.get("/api/v1/publicity/volunteers", params={"limit": 2, "offset": 2}).json()
    page3 = reader.get("/api/v1/publicity/volunteers", params={"limit": 2, "offset": 4}).json()
    names = [r["name"] for r in page1 + page2 + page3]
    assert len(page1) == len(page2) == 2 and len(page3) == 1
    assert names == [r["name"] for r in rows] and len(set(names)) == 5
    assert reader.get("/api/v1/publicity/volunteers", params={"limit": 0}).status_code == 422


def test_station_key_and_station_user_see_their_station_only(
    app: FastAPI, world: dict[str, int]
) -> None:
    centre = _client(app, ["publicity:write"])
    for community in ("C1", "C2"):
        body = {**EVENT, "community": community, "findings": []}
        assert centre.post("/api/v1/publicity/events", json=body).status_code == 201
    s1 = _client(app, ["publicity:read"], station="S1")
    volunteers = s1.get("/api/v1/publicity/volunteers").json()
    assert {r["name"] for r in volunteers} == {"张伟", "李娜"}
    assert s1.get("/api/v1/publicity/volunteers", params={"station": "S2"}).json() == []
    assert [t["id"] for t in s1.get("/api/v1/publicity/teams").json()] == [world["team_S1"]]
    team = s1.get("/api/v1/publicity/teams").json()[0]
    assert team["leader"] == "张伟" and team["members"] == 2
    assert [p["id"] for p in s1.get("/api/v1/publicity/points").json()] == [world["point_S1"]]
    campaigns = {c["code"] for c in s1.get("/api/v1/publicity/campaigns").json()}
    assert campaigns == {"P-S1", "P-OLD"}  # its own and the city-wide one
    assert s1.get(f"/api/v1/publicity/campaigns/{world['campaign_S2']}").status_code == 404
    events = s1.get("/api/v1/publicity/events").json()
    assert [e["station"] for e in events] == ["S1"]
    # A desk user (session cookie) of S2 sees S2's only, as on the pages.
    b = Browser(app)
    b.login("officer2")
    mine = b.api("GET", "/api/v1/publicity/volunteers").json()
    assert {r["station"] for r in mine} == {"S2"}
    assert [e["station"] for e in b.api("GET", "/api/v1/publicity/events").json()] == ["S2"]


def test_campaigns_and_events_filters(app: FastAPI, world: dict[str, int], clock: Any) -> None:
    reader = _client(app, ["publicity:read"])
    march = reader.get(
        "/api/v1/publicity/campaigns", params={"since": "2026-03-01", "until": "2026-04-01"}
    ).json()
    assert {c["code"] for c in march} == {"P-S1", "P-S2"}
    by_station = reader.get("/api/v1/publicity/campaigns", params={"station": "S2"}).json()
    assert [c["code"] for c in by_station] == ["P-S2"]
    writer = _client(app, ["publicity:write"])
    for held_at, community, campaign in (
        ("2026-03-01T10:00:00", "C1", world["campaign_S1"]),
        ("2026-03-02T08:00:00", "C1", None),
        ("2026-03-02T09:00:00", "C2", world["campaign_S2"]),
    ):
        body = {**EVENT, "held_at": held_at, "community": community, "findings": []}
        body["campaign_id"] = campaign
        assert writer.post("/api/v1/publicity/events", json=body).status_code == 201

    def held(**params: Any) -> list[str]:
        answer = reader.get("/api/v1/publicity/events", params=params)
        assert answer.status_code == 200, answer.text
        return [e["held_at"] for e in answer.json()]

    assert held() == ["2026-03-02T09:00:00", "2026-03-02T08:00:00", "2026-03-01T10:00:00"]
    assert held(campaign_id=world["campaign_S1"]) == ["2026-03-01T10:00:00"]
    assert held(station="S2") == ["2026-03-02T09:00:00"]
    assert held(since="2026-03-02T00:00:00", until="2026-03-02T09:00:00") == ["2026-03-02T08:00:00"]
    assert held(limit=1, offset=1) == ["2026-03-02T08:00:00"]


def test_record_event_audited_with_leads_and_no_phone_in_the_answer(
    app: FastAPI, world: dict[str, int]
) -> None:
    writer = _client(app, ["publicity:write"], station="S1")
    body = {**EVENT, "campaign_id": world["campaign_S1"], "team_id": world["team_S1"]}
    body["point_id"] = world["point_S1"]
    answer = writer.post("/api/v1/publicity/events", json=body)
    assert answer.status_code == 201, answer.text
    event = answer.json()
    assert event["station"] == "S1" and event["source"] == "api"
    assert event["recorded_by"].startswith("api:") and event["client_id"] is None
    assert [f["kind"] for f in event["findings"]] == ["dissuaded", "two_cards"]
    dissuaded = event["findings"][0]
    assert dissuaded["warning_id"] is not None and dissuaded["outcome"] == "dissuaded"
    assert "13922220001" not in answer.text and "phone" not in dissuaded
    records = _audits(app, "publicity.event")
    assert [r.object_id for r in records] == [str(event["id"])]
    assert records[0].actor == event["recorded_by"]
    with app.state.desk.factory() as s:
        warning = s.get(EarlyWarning, dissuaded["warning_id"])
        assert warning is not None and warning.source == "publicity"


def test_record_event_is_idempotent_by_client_id(app: FastAPI, world: dict[str, int]) -> None:
    writer = _client(app, ["publicity:write"])
    body = {**EVENT, "client_id": "tablet-7/0001"}
    first = writer.post("/api/v1/publicity/events", json=body)
    assert first.status_code == 201, first.text
    assert first.json()["client_id"] == "tablet-7/0001"
    again = writer.post("/api/v1/publicity/events", json={**body, "reached": 999})
    assert again.status_code == 200
    assert again.json() == first.json()  # the first event, unchanged
    assert _events(app) == 1 and len(_audits(app, "publicity.event")) == 1
    with app.state.desk.factory() as s:  # the findings' leads were not made twice
        assert s.scalar(select(func.count(EarlyWarning.id))) == 1
    other = _client(app, ["publicity:write", "publicity:read"])  # ids are per caller
    theirs = other.post("/api/v1/publicity/events", json={**body, "findings": []})
    assert theirs.status_code == 201 and theirs.json()["id"] != first.json()["id"]
    plain = writer.post("/api/v1/publicity/events", json={**EVENT, "findings": []})
    plain_again = writer.post("/api/v1/publicity/events", json={**EVENT, "findings": []})
    assert plain.status_code == plain_again.status_code == 201  # no client_id: two events
    assert _events(app) == 4
    assert (
        writer.post("/api/v1/publicity/events", json={**EVENT, "client_id": ""}).status_code == 422
    )


def _refused(client: TestClient, **change: Any) -> dict[str, Any]:
    answer = client.post("/api/v1/publicity/events", json={**EVENT, **change})
    assert answer.status_code == 422, answer.text
    body: dict[str, Any] = answer.json()
    return body


def test_record_event_refused_per_field_as_the_form(app: FastAPI, world: dict[str, int]) -> None:
    s1 = _client(app, ["publicity:write"], station="S1")
    assert _refused(s1, reached=5)["context"]["field"] == "reached"  # reached < consultations
    assert _refused(s1, held_at="2026-03-02T12:00:00")["context"]["field"] == "held_at"
    assert _refused(s1, community="C2")["context"]["field"] == "community"
    assert _refused(s1, team_id=world["team_S2"])["context"]["field"] == "team_id"
    assert _refused(s1, point_id=world["point_S2"])["context"]["field"] == "point_id"
    negative = _refused(s1, leaflets=-1)["errors"]
    assert [e["loc"] for e in negative] == [["body", "leaflets"]]
    kind = _refused(s1, kind="rally")["errors"]
    assert [e["loc"] for e in kind] == [["body", "kind"]]
    finding = _refused(s1, findings=[{"kind": "dissuaded", "fraud_type": "no such type"}])
    assert finding["context"]["field"] == "fraud_type"
    other = s1.post("/api/v1/publicity/events", json={**EVENT, "campaign_id": world["campaign_S2"]})
    assert other.status_code == 404
    assert _events(app) == 0 and _audits(app, "publicity.event") == []
    with app.state.desk.factory() as s:
        assert s.scalar(select(func.count(EarlyWarning.id))) == 0  # nothing half-recorded


def test_record_event_time_with_an_offset_is_the_desks_local_time(
    app: FastAPI, world: dict[str, int]
) -> None:
    writer = _client(app, ["publicity:write"])
    body = {**EVENT, "held_at": "2026-03-02T01:00:00Z", "findings": []}
    answer = writer.post("/api/v1/publicity/events", json=body)
    assert answer.status_code == 201, answer.text
    assert answer.json()["held_at"] == "2026-03-02T09:00:00"  # Asia/Shanghai


def test_desk_user_records_with_the_csrf_header_only(app: FastAPI, world: dict[str, int]) -> None:
    b = Browser(app)
    b.login("grid")
    body = {**EVENT, "findings": [], "team_id": world["team_S1"]}
    refused = b.client.post("/api/v1/publicity/events", json=body)
    assert refused.status_code == 403
    answer = b.api("POST", "/api/v1/publicity/events", json=body)
    assert answer.status_code == 201, answer.text
    recorded = answer.json()
    assert recorded["station"] == "S1" and re.fullmatch(r"user:\d+:grid", recorded["recorded_by"])
    b.login("leader")  # publicity_view only
    assert b.api("GET", "/api/v1/publicity/events").status_code == 200
    assert b.api("POST", "/api/v1/publicity/events", json=body).status_code == 403
