"""Partner intake: banks push suspicious accounts; the next detection uses them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
from fastapi.testclient import TestClient

from fanzha.cli.detect import run_configured, store_warnings
from fanzha.settings import Settings
from fanzha.store.database import make_engine, upgrade
from fanzha.web import create_app
from fanzha.workflow.user import service as users
from tests.unit.detection.factory import StoreBuilder, at

NOW = dt.datetime(2026, 11, 2, 10, 0)
ALICE = 8613800000001
MULE = "6222021234567890123"


class Partners:
    """An app on a fresh store, and one client per API key made on demand."""

    def __init__(self, tmp_path: Path, daily_rows: int = 100) -> None:
        self.settings = Settings(
            data_dir=tmp_path / "store",
            database_url=f"sqlite:///{tmp_path / 'desk.db'}",
            partner_daily_rows=daily_rows,
        )
        upgrade(self.settings.database_url)
        engine = make_engine(self.settings.database_url)
        self.app = create_app(self.settings, engine=engine, clock=lambda: NOW, run_ticker=False)
        self.clients: list[TestClient] = []

    def client(self, name: str, scopes: list[str]) -> TestClient:
        with self.app.state.desk.factory.begin() as s:
            _, token = users.create_api_key(session=s, name=name, scopes=scopes)
        client = TestClient(self.app)
        client.headers["X-API-Key"] = token
        self.clients.append(client)
        return client


@pytest.fixture
def partners(tmp_path: Path) -> Iterator[Partners]:
    p = Partners(tmp_path)
    yield p
    for c in p.clients:
        c.close()


def push(client: TestClient, *rows: dict[str, Any]) -> Any:
    response = client.post("/api/v1/partner/accounts", json={"rows": list(rows)})
    assert response.status_code == 200, response.text
    return response.json()


def test_partner_push_rejects_bad_rows_with_reasons(partners: Partners) -> None:
    bank = partners.client("工商银行", ["partner:accounts"])
    body = push(
        bank,
        {"row_id": "1", "account": "6222 0212 3456 7890 123", "fraud_type": "刷单返利"},
        {"row_id": "2", "account": "62-22-02"},
        {"row_id": "3", "kind": "phone", "account": "13800000000"},
        {"row_id": "4", "account": "6222021234567890999", "fraud_type": "no such type"},
        {"row_id": "5", "account": MULE},
        {"account": "6222021234567890555"},
        {"row_id": "1", "account": "6222021234567890777"},
    )
    statuses = [(r["row_id"], r["status"]) for r in body["rows"]]
    assert statuses == [
        ("1", "accepted"),
        ("2", "rejected"),
        ("3", "rejected"),
        ("4", "rejected"),
        ("5", "rejected"),
        (None, "rejected"),
        ("1", "duplicate"),
    ]
    reasons = [r["reason"] for r in body["rows"]]
    assert "digits" in reasons[1]
    assert "unknown kind" in reasons[2]
    assert "unknown fraud type" in reasons[3]
    assert "already listed by row '1'" in reasons[4]
    assert "row_id" in reasons[5]
    assert (body["accepted"], body["rejected"], body["duplicates"]) == (1, 5, 1)


def test_partner_push_resend_is_idempotent(partners: Partners) -> None:
    bank = partners.client("建设银行", ["partner:accounts"])
    push(bank, {"row_id": "a", "account": MULE}, {"row_id": "b", "account": "12"})
    again = push(bank, {"row_id": "a", "account": MULE}, {"row_id": "b", "account": "12"})
    assert [(r["status"], r["first_status"]) for r in again["rows"]] == [
        ("duplicate", "accepted"),
        ("duplicate", "rejected"),
    ]
    status = bank.get("/api/v1/partner/status").json()
    assert (status["received"], status["accepted"], status["rejected"]) == (2, 1, 1)
    assert status["rejected_rows"][0]["row_id"] == "b"
    table = partners.settings.data_dir / "tables" / "indicators.parquet"

    rows = duckdb.sql(f"SELECT value, source FROM read_parquet('{table}')").fetchall()
    assert rows == [(MULE, "partner:建设银行#a")]


def test_partner_push_needs_the_scope(partners: Partners) -> None:
    reader = partners.client("reader", ["warnings:read"])
    response = reader.post("/api/v1/partner/accounts", json={"rows": [{"row_id": "1"}]})
    assert response.status_code == 403
    assert reader.get("/api/v1/partner/status").status_code == 403


def test_partner_push_over_the_daily_quota_is_refused_whole(tmp_path: Path) -> None:
    p = Partners(tmp_path, daily_rows=2)
    bank = p.client("农业银行", ["partner:accounts"])
    push(bank, {"row_id": "1", "account": MULE})
    rows = [{"row_id": "2", "account": "62220212345678"}, {"row_id": "3", "account": "1"}]
    response = bank.post("/api/v1/partner/accounts", json={"rows": rows})
    assert response.status_code == 429
    assert response.json()["error"] == "quota_exceeded"
    assert push(bank, {"row_id": "1", "account": MULE})["duplicates"] == 1  # resends still ok
    status = bank.get("/api/v1/partner/status").json()
    assert (status["received"], status["received_today"], status["daily_quota"]) == (1, 1, 2)
    bank.close()


def test_partner_account_makes_a_transfer_to_it_a_warning(partners: Partners) -> None:
    builder = StoreBuilder(partners.settings.data_dir)
    builder.add(
        "jurisdictions",
        community="C01",
        community_name="幸福社区",
        station="S1",
        station_name="城关派出所",
    )
    builder.resident("P0", ALICE)
    builder.add(
        "transfers",
        payer_phone=ALICE,
        payer_account="6217000011112222",
        payee_account=MULE,
        amount=5000.0,
        time=at(30),
        channel="mobile",
    )
    builder.write()
    settings = partners.settings
    assert run_configured(settings, None, "duckdb", None).warnings == []  # not listed yet

    bank = partners.client("工商银行", ["partner:accounts"])
    push(bank, {"row_id": "r-77", "account": MULE, "fraud_type": "fake_investment"})
    result = run_configured(settings, None, "duckdb", None)
    [warning] = result.warnings
    assert warning.level == 4
    [reason] = [r for r in warning.reasons if r.kind == "indicator_account"]
    assert reason.source == "partner:工商银行#r-77"
    store_warnings(settings, result)

    status = bank.get("/api/v1/partner/status").json()
    assert status["matched"] == 1
    assert status["matched_rows"] == [{"row_id": "r-77", "account": MULE, "warnings": 1}]
    other = partners.client("建设银行", ["partner:accounts"])
    assert other.get("/api/v1/partner/status").json()["matched"] == 0
