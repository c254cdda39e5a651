"""Lead matching: leads entered by hand or pushed by partners find their resident."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import select

from fanzha.core import idcard
from fanzha.errors import WorkflowError
from fanzha.store.event_store import EventStore
from fanzha.workflow.audit.models import AuditRecord
from fanzha.workflow.roles import Principal, Role
from fanzha.workflow.warning import intake
from fanzha.workflow.warning.matching import ResidentMatcher
from fanzha.workflow.warning.models import EarlyWarning
from fanzha.workflow.warning.routing import DeskConfig
from tests.unit.workflow.support import NOW, Desk

KEY = "test-pseudonym-key"


def valid_id(first17: str) -> str:
    return first17 + idcard.check_char(first17)


ID_A = valid_id("11010519491231002")
ID_B = valid_id("44030419900101123")
PSEUDO_A = idcard.pseudonymise(ID_A, KEY)
PSEUDO_B = idcard.pseudonymise(ID_B, KEY)
PHONE_A = 8613800001111
PHONE_SHARED = 8613800002222


def write_registry(root: Path, rows: list[tuple[str, int | None, str | None]]) -> EventStore:
    store = EventStore(root)
    store.table_path("residents").parent.mkdir(parents=True, exist_ok=True)
    residents = pa.table(
        {
            "resident_id": [r[0] for r in rows],
            "phone": pa.array([r[1] for r in rows], pa.int64()),
            "birth_year": pa.array([1960] * len(rows), pa.int16()),
            "gender": ["F"] * len(rows),
            "occupation": ["retiree"] * len(rows),
            "community": [r[2] for r in rows],
        }
    )
    pq.write_table(residents, store.table_path("residents"))
    jurisdictions = pa.table(
        {
            "community": ["C1", "C2"],
            "community_name": ["一社区", "二社区"],
            "station": ["S1", "S2"],
            "station_name": ["一所", "二所"],
        }
    )
    pq.write_table(jurisdictions, store.table_path("jurisdictions"))
    return store


@pytest.fixture
def store(tmp_path: Path) -> EventStore:
    return write_registry(
        tmp_path / "data",
        [
            (PSEUDO_A, PHONE_A, "C1"),
            (PSEUDO_B, PHONE_SHARED, "C2"),
            (PSEUDO_A, PHONE_SHARED, "C1"),  # A also uses the shared phone: smaller id wins
            ("P0000000000000000000x", None, "C9"),  # no phone, community owned by no one
        ],
    )


def test_matcher_phone_match_gives_resident_community_and_station(store: EventStore) -> None:
    found = ResidentMatcher(store, KEY).match(phone=PHONE_A)
    assert found is not None
    assert (found.resident_id, found.community, found.station, found.by) == (
        PSEUDO_A,
        "C1",
        "S1",
        "phone",
    )


def test_matcher_shared_phone_takes_smallest_resident_id(store: EventStore) -> None:
    found = ResidentMatcher(store, KEY).match(phone=PHONE_SHARED)
    assert found is not None
    assert found.resident_id == min(PSEUDO_A, PSEUDO_B)


def test_matcher_id_number_match_wins_over_phone(store: EventStore) -> None:
    found = ResidentMatcher(store, KEY).match(phone=PHONE_A, id_number=f" {ID_B.lower()} ")
    assert found is not None
    assert (found.resident_id, found.community, found.station, found.by) == (
        PSEUDO_B,
        "C2",
        "S2",
        "id_number",
    )


def test_matcher_unknown_id_falls_back_to_phone(store: EventStore) -> None:
    other = valid_id("31010119800101001")
    found = ResidentMatcher(store, KEY).match(phone=PHONE_A, id_number=other)
    assert found is not None and found.by == "phone" and found.resident_id == PSEUDO_A


def test_matcher_no_match_and_unowned_community(store: EventStore) -> None:
    matcher = ResidentMatcher(store, KEY)
    assert matcher.match(phone=8613999999999) is None
    assert matcher.match(phone=None, id_number=None) is None
    assert matcher.size() == 4


def test_matcher_rejects_a_bad_id_number(store: EventStore) -> None:
    with pytest.raises(WorkflowError, match="checksum"):
        ResidentMatcher(store, KEY).match(phone=PHONE_A, id_number=ID_A[:17] + "0")


@pytest.mark.parametrize("which", ["no_store", "empty_dir", "missing_dir"])
def test_matcher_without_registry_never_matches(tmp_path: Path, which: str) -> None:
    store = {
        "no_store": None,
        "empty_dir": EventStore(tmp_path),
        "missing_dir": EventStore(tmp_path / "nowhere"),
    }[which]
    matcher = ResidentMatcher(store, KEY)
    assert matcher.match(phone=PHONE_A, id_number=ID_A) is None
    assert matcher.size() == 0


def test_matcher_reloads_a_changed_registry(tmp_path: Path) -> None:
    store = write_registry(tmp_path, [(PSEUDO_A, PHONE_A, "C1")])
    matcher = ResidentMatcher(store, KEY, recheck_s=0.0)
    assert matcher.match(phone=PHONE_SHARED) is None
    write_registry(tmp_path, [(PSEUDO_A, PHONE_A, "C1"), (PSEUDO_B, PHONE_SHARED, "C2")])
    later = time.time() + 5
    os.utime(store.table_path("residents"), (later, later))  # mtime granularity
    found = matcher.match(phone=PHONE_SHARED)
    assert found is not None and found.resident_id == PSEUDO_B


# --- the intake: leads are matched before they are routed ---------------------------------


def operator(desk: Desk) -> Principal:
    desk.station("S1", ("C1",))
    desk.station("S2", ("C2",))
    return desk.user("op", Role.CENTRE_OPERATOR)


def lead(**kw: str) -> intake.LeadCreate:
    values = {"phone": "13800001111", "level": "高", "fraud_type": "fake_investment"}
    return intake.LeadCreate.model_validate({**values, **kw})


def create(desk: Desk, config: DeskConfig, who: Principal, data: intake.LeadCreate) -> int:
    with desk.factory.begin() as s:
        return intake.create(session=s, principal=who, data=data, config=config, now=NOW).id


def with_matcher(config: DeskConfig, store: EventStore | None) -> DeskConfig:
    return DeskConfig(sla=config.sla, capacity=config.capacity, matcher=ResidentMatcher(store, KEY))


def test_intake_phone_match_routes_to_the_residents_station(
    desk: Desk, config: DeskConfig, store: EventStore
) -> None:
    who = operator(desk)
    wid = create(desk, with_matcher(config, store), who, lead(community="C2"))
    w = desk.get(wid)
    assert (w.resident_id, w.community, w.station, w.status) == (PSEUDO_A, "C1", "S1", "routed")
    assert w.reasons[0].matched_by == "phone"
    with desk.factory() as s:
        created = s.scalars(select(AuditRecord).where(AuditRecord.action == "create")).one()
    assert created.detail["matched_by"] == "phone"


def test_intake_id_match_routes_by_the_id_number(
    desk: Desk, config: DeskConfig, store: EventStore
) -> None:
    who = operator(desk)
    wid = create(desk, with_matcher(config, store), who, lead(phone="13900000000", id_number=ID_B))
    w = desk.get(wid)
    assert (w.resident_id, w.community, w.station) == (PSEUDO_B, "C2", "S2")
    assert w.reasons[0].matched_by == "id_number"
    assert ID_B not in str(w.reasons)  # the raw ID number is never stored


def test_intake_no_match_goes_to_the_centre_queue(
    desk: Desk, config: DeskConfig, store: EventStore
) -> None:
    who = operator(desk)
    wid = create(desk, with_matcher(config, store), who, lead(phone="13900000000"))
    w = desk.get(wid)
    assert (w.resident_id, w.station, w.status) == ("lead-8613900000000", None, "routed")
    assert w.reasons[0].matched_by is None


@pytest.mark.parametrize("registry", ["missing", "none"])
def test_intake_without_event_store_keeps_the_old_routing(
    desk: Desk, config: DeskConfig, tmp_path: Path, registry: str
) -> None:
    who = operator(desk)
    store = EventStore(tmp_path / "absent") if registry == "missing" else None
    matched = with_matcher(config, store)
    centre = create(desk, matched, who, lead())
    named = create(desk, matched, who, lead(phone="13900000000", community="C2"))
    assert desk.get(centre).station is None
    assert desk.get(named).station == "S2"  # the community the lead names still routes it


def test_intake_refuses_a_bad_id_number_even_without_a_matcher(
    desk: Desk, config: DeskConfig
) -> None:
    who = operator(desk)
    with pytest.raises(WorkflowError, match="ID number"):
        create(desk, config, who, lead(id_number="123"))


# --- the web app: FANZHA_DATA_DIR's registry matches pushed leads ---------------------------


def test_api_pushed_lead_is_matched_through_the_apps_settings(
    tmp_path: Path, sqlite_template: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    from argon2 import PasswordHasher

    from fanzha.settings import Settings
    from fanzha.store.database import make_engine, session_factory
    from fanzha.web import create_app
    from fanzha.workflow.station import service as stations
    from fanzha.workflow.user import service as users
    from fanzha.workflow.user.models import UserCreate
    from tests.unit.web.support import PASSWORD, Browser

    monkeypatch.setattr(users, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024))
    write_registry(tmp_path / "data", [(PSEUDO_A, PHONE_A, "C1"), (PSEUDO_B, None, "C2")])
    shutil.copy(sqlite_template, tmp_path / "desk.db")
    url = f"sqlite:///{tmp_path / 'desk.db'}"
    settings = Settings(database_url=url, data_dir=tmp_path / "data", pseudonym_key=KEY)
    app = create_app(settings, engine=make_engine(url), run_ticker=False)
    with session_factory(app.state.desk.engine).begin() as s:
        rows = [{"community": c, "station": f"S{c[1]}"} for c in ("C1", "C2")]
        stations.upsert_jurisdiction(session=s, rows=rows)
        user = UserCreate(
            username="op", display_name="op", role=Role.CENTRE_OPERATOR, password=PASSWORD
        )
        users.create(session=s, data=user)
    browser = Browser(app)
    browser.login("op")
    lead = {"level": "high", "fraud_type": "fake_investment", "source": "bank"}
    by_phone = browser.api("POST", "/api/v1/warnings", json={**lead, "phone": "138 0000 1111"})
    by_id = browser.api(
        "POST", "/api/v1/warnings", json={**lead, "phone": "13900000000", "id_number": ID_B}
    )
    bad_id = browser.api(
        "POST", "/api/v1/warnings", json={**lead, "phone": "13900000000", "id_number": "1" * 18}
    )
    form = {"phone": "13900000001", "level": "3", "fraud_type": "romance"}
    assert 'name="id_number"' in browser.client.get("/new").text
    by_form = browser.post("/new", {**form, "id_number": ID_B})
    browser.client.close()
    assert by_form.status_code == 303, by_form.text
    form_id = int(by_form.headers["location"].split("?")[0].rsplit("/", 1)[-1])
    assert (by_phone.status_code, by_id.status_code) == (201, 201), by_phone.text
    assert (by_phone.json()["station"], by_id.json()["station"]) == ("S1", "S2")
    with session_factory(app.state.desk.engine)() as s:
        residents = [s.get(EarlyWarning, r.json()["id"]).resident_id for r in (by_phone, by_id)]
        from_form = s.get(EarlyWarning, form_id)
    assert residents == [PSEUDO_A, PSEUDO_B]
    assert from_form is not None
    assert (from_form.resident_id, from_form.station) == (PSEUDO_B, "S2")
    assert bad_id.status_code in (400, 422) and "ID number" in bad_id.text


def test_intake_refuses_a_second_lead_on_one_person_in_the_same_instant(
    desk: Desk, config: DeskConfig, store: EventStore
) -> None:
    who = operator(desk)
    first = create(desk, with_matcher(config, store), who, lead())
    with pytest.raises(WorkflowError, match="already has a warning") as refused:
        create(desk, with_matcher(config, store), who, lead(level="中"))
    assert refused.value.context["warning_id"] == first
    with desk.factory() as s:
        assert len(s.scalars(select(EarlyWarning)).all()) == 1
