"""POST /api/v1/events: per-event verdicts, idempotent resend, bad input, a full queue."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from fanzha.settings import Settings
from fanzha.store.database import make_engine, upgrade
from fanzha.stream.broker import START, EventQueue
from fanzha.web import create_app
from fanzha.workflow.user import service as users


def settings_for(tmp_path: Path, redis_url: str, queue_max: int = 1000) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=f"sqlite:///{tmp_path / 'desk.db'}",
        stream_redis_url=redis_url,
        stream_name=f"api:{uuid.uuid4().hex}",
        stream_queue_max=queue_max,
    )


def client_for(settings: Settings, scopes: list[str]) -> Iterator[TestClient]:
    upgrade(settings.database_url)
    app = create_app(settings, engine=make_engine(settings.database_url), run_ticker=False)
    with app.state.desk.factory.begin() as s:
        _, token = users.create_api_key(session=s, name="operator", scopes=scopes)
    with TestClient(app) as client:
        client.headers["X-API-Key"] = token
        yield client


@pytest.fixture
def settings(tmp_path: Path, redis_url: str) -> Settings:
    return settings_for(tmp_path, redis_url)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    yield from client_for(settings, ["events:write"])


def call(n: int, **kw: Any) -> dict[str, Any]:
    event = {"kind": "calls", "source_id": f"op:{n}", "caller": "13800138000"}
    event |= {"callee": "+86 139 0013 9000", "start": "2026-11-01 08:00:00", "duration_s": 60}
    return event | kw


def queued(settings: Settings) -> list[dict[str, Any]]:
    return EventQueue(settings.stream_redis_url, settings.stream_name).read(START, 100)


def test_post_events_queues_valid_events_and_explains_each_rejection(
    client: TestClient, settings: Settings
) -> None:
    events = [
        call(1),
        call(2, caller="12"),  # a number no one can have
        call(3, kind="phone_calls"),
        call(4, start="2026-13-40 99:00"),
        {"kind": "sms", "receiver": "13900139000"},  # no source id
        "not an object",
        {"kind": "leads", "source_id": "lead:1", "phone": "13900139000", "level": "紧急",
         "source_unit": "省反诈中心", "instruction_no": "Z-1", "time": "2026-11-01 09:00"},
    ]  # fmt: skip
    answer = client.post("/api/v1/events", json={"events": events})
    assert answer.status_code == 202
    body = answer.json()
    assert (body["queued"], body["rejected"]) == (2, 5)
    verdicts = body["events"]
    assert [v["status"] for v in verdicts] == ["queued"] + ["rejected"] * 5 + ["queued"]
    assert verdicts[1]["reasons"][0].startswith("caller:")
    assert verdicts[2]["reasons"][0].startswith("kind:")
    assert verdicts[3]["reasons"][0].startswith("start:")
    assert verdicts[4]["reasons"][0].startswith("source_id:")
    stream = queued(settings)
    assert [(e["kind"], e["source_id"]) for e in stream] == [("calls", "op:1"), ("leads", "lead:1")]
    assert stream[0]["callee"] == 8613900139000 and stream[1]["level"] == 4
    files = list((settings.data_dir / "quarantine" / "calls").glob("*.csv"))
    assert len(files) == 1 and files[0].read_text().count("\n") == 3  # header + 2 rows


def test_post_events_resend_is_a_duplicate_not_a_second_event(
    client: TestClient, settings: Settings
) -> None:
    assert client.post("/api/v1/events", json={"events": [call(1), call(2)]}).status_code == 202
    again = client.post("/api/v1/events", json={"events": [call(2), call(3)]})
    assert [v["status"] for v in again.json()["events"]] == ["duplicate", "queued"]
    only = client.post("/api/v1/events", json={"events": [call(3)]})
    assert only.status_code == 200 and only.json()["duplicate"] == 1
    assert [e["source_id"] for e in queued(settings)] == ["op:1", "op:2", "op:3"]


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        (b"{not json", 400, "malformed JSON"),
        (b'[{"kind": "calls"}]', 400, '{"events": [...]}'),
        (b'{"events": []}', 400, "no events"),
        (b'{"events": [' + b",".join([b"{}"] * 5001) + b"]}", 413, "too many events"),
        (b'{"events": ["' + b"x" * (9 * 1024 * 1024) + b'"]}', 413, "too large"),
    ],
)
def test_post_events_refuses_a_bad_body_with_a_clear_error(
    client: TestClient, settings: Settings, body: bytes, status: int, message: str
) -> None:
    answer = client.post(
        "/api/v1/events", content=body, headers={"content-type": "application/json"}
    )
    assert answer.status_code == status
    assert message in answer.json()["message"]
    assert queued(settings) == []


def test_post_events_full_queue_answers_503_and_keeps_nothing_of_the_batch(
    tmp_path: Path, redis_url: str
) -> None:
    settings = settings_for(tmp_path, redis_url, queue_max=3)
    client = next(client_for(settings, ["events:write"]))
    assert client.post("/api/v1/events", json={"events": [call(1), call(2)]}).status_code == 202
    full = client.post("/api/v1/events", json={"events": [call(3), call(4)]})
    assert full.status_code == 503 and full.headers["retry-after"] == "1"
    assert [e["source_id"] for e in queued(settings)] == ["op:1", "op:2"]
    EventQueue(settings.stream_redis_url, settings.stream_name).consumed(2)
    retry = client.post("/api/v1/events", json={"events": [call(3), call(4)]})
    assert [v["status"] for v in retry.json()["events"]] == ["queued", "queued"]


def test_post_events_needs_the_events_write_scope(tmp_path: Path, redis_url: str) -> None:
    settings = settings_for(tmp_path, redis_url)
    client = next(client_for(settings, ["warnings:read"]))
    assert client.post("/api/v1/events", json={"events": [call(1)]}).status_code == 403
    assert queued(settings) == []
