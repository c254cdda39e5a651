"""The review queue: proposals, refresh, confirm → indicator, reject → no re-proposal."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from fanzha.errors import ConflictError
from fanzha.store.database import make_engine, session_factory, transaction, upgrade
from fanzha.store.event_store import EventStore
from fanzha.workflow.candidate import flows, service
from fanzha.workflow.candidate.models import CONFIRMED, PENDING

PHONE = 8617012345678
T0 = dt.datetime(2030, 3, 1, 12, 0)


@pytest.fixture
def factory(tmp_path: Path) -> sessionmaker[Session]:
    url = f"sqlite:///{tmp_path / 'wf.db'}"
    upgrade(url)
    return session_factory(make_engine(url))


def _propose(session: Session, last: dt.datetime, score: float = 0.9) -> object:
    return service.propose(
        session=session,
        kind="phone",
        value="17012345678",
        phone=PHONE,
        score=score,
        fraud_type="other",
        model_version="m1",
        evidence={"out_calls": 300.0},
        last_activity=last,
        now=T0,
    )


def test_candidate_propose_refreshes_pending_instead_of_duplicating(
    factory: sessionmaker[Session],
) -> None:
    with transaction(factory) as session:
        first = _propose(session, T0)
        second = _propose(session, T0, score=0.95)
        assert first is second
        rows = service.list_candidates(session=session)
        assert len(rows) == 1 and rows[0].score == 0.95 and rows[0].status == PENDING


def test_candidate_reject_blocks_reproposal_until_new_activity(
    factory: sessionmaker[Session],
) -> None:
    with transaction(factory) as session:
        candidate = _propose(session, T0)
        flows.reject(session=session, candidate_id=candidate.id, by="analyst", now=T0)  # type: ignore[attr-defined]
        assert _propose(session, T0) is None
        again = _propose(session, T0 + dt.timedelta(hours=1))
        assert again is not None and again.status == PENDING  # type: ignore[attr-defined]


def test_candidate_confirm_writes_indicator_with_provenance_and_expiry(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    store = EventStore(tmp_path / "var")
    with transaction(factory) as session:
        candidate = _propose(session, T0)
        done = flows.confirm(
            session=session,
            store=store,
            candidate_id=candidate.id,  # type: ignore[attr-defined]
            by="analyst-7",
            now=T0,
            expiry_days=30,
        )
        assert done.status == CONFIRMED
        with pytest.raises(ConflictError):
            flows.reject(session=session, candidate_id=done.id, by="x", now=T0)
        assert _propose(session, T0 + dt.timedelta(days=1)) is None  # still blacklisted
    row = (
        store.connect(threads=1)
        .execute("SELECT kind, value, phone, source, valid_to FROM indicators")
        .fetchall()
    )
    assert len(row) == 1
    kind, value, phone, source, valid_to = row[0]
    assert (kind, value, phone) == ("phone", "17012345678", PHONE)
    assert "analyst-7" in source and "m1" in source
    assert valid_to == T0 + dt.timedelta(days=30)


def test_candidate_confirm_keeps_existing_indicators(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    store = EventStore(tmp_path / "var")
    with transaction(factory) as session:
        first = _propose(session, T0)
        flows.confirm(session=session, store=store, candidate_id=first.id, by="a", now=T0)  # type: ignore[attr-defined]
        other = service.propose(
            session=session,
            kind="phone",
            value="17099999999",
            phone=8617099999999,
            score=0.8,
            fraud_type="romance",
            model_version="m1",
            evidence={},
            last_activity=T0,
            now=T0,
        )
        assert other is not None
        flows.confirm(session=session, store=store, candidate_id=other.id, by="a", now=T0)
    count = store.connect(threads=1).execute("SELECT count(*) FROM indicators").fetchone()
    assert count == (2,)
