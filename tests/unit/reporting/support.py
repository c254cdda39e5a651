"""Builders for reporting tests: warnings, outcomes, cases and accounts written directly.

``build_october`` writes the hand-computed fixture the metric tests check (see its docstring).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from fanzha.workflow.case.models import Case, CaseAccount
from fanzha.workflow.outcome.models import CATEGORIES, Category, Outcome
from fanzha.workflow.station.models import Station
from fanzha.workflow.user.models import User
from fanzha.workflow.warning.models import EarlyWarning

T0 = dt.datetime(2026, 10, 1, 9, 0, 0)
AS_OF = dt.datetime(2026, 11, 15, 12, 0, 0)


class City:
    """Writes rows for a test, one transaction per call."""

    def __init__(self, factory: sessionmaker[Session]) -> None:
        self.factory = factory
        self._n = 0

    def station(self, code: str, name: str) -> None:
        with self.factory.begin() as s:
            s.add(Station(code=code, name=name, active=True))

    def user(self, name: str, station: str | None = None) -> int:
        with self.factory.begin() as s:
            user = User(
                username=name,
                display_name=name,
                role="station_officer",
                station_code=station,
                password_hash="x",
            )
            s.add(user)
            s.flush()
            return user.id

    def warning(self, warned_at: dt.datetime, **kw: Any) -> int:
        self._n += 1
        values: dict[str, Any] = {
            "resident_id": f"R{self._n:04d}",
            "phone": 8613900000000 + self._n,
            "station": "S01",
            "episode_start": warned_at,
            "warned_at": warned_at,
            "last_signal_at": warned_at,
            "level": 3,
            "level_history": [],
            "fraud_type": "task_rebate",
            "score": 1.0,
            "reasons": [{"kind": "fraud_call"}],
            "n_signals": 1,
            "rules_version": "test",
            "source": "detection",
            "status": "new",
            "routed_at": warned_at,
            "is_open": True,
        }
        values.update(kw)
        values["reasons"] = [{"time": warned_at, **r} for r in values["reasons"]]
        with self.factory.begin() as s:
            warning = EarlyWarning(**values)
            s.add(warning)
            s.flush()
            return warning.id

    def outcome(self, warning_id: int, category: Category, at: dt.datetime, **kw: Any) -> None:
        """Record an outcome and update the warning as the desk does."""
        final = CATEGORIES[category].final
        with self.factory.begin() as s:
            s.add(
                Outcome(
                    warning_id=warning_id,
                    category=category.value,
                    final=final,
                    at=at,
                    actor="test",
                    **kw,
                )
            )
            warning = s.get_one(EarlyWarning, warning_id)
            warning.outcome = category.value
            if final:
                warning.is_open, warning.status, warning.closed_at = False, "closed", at
                warning.due_at = None

    def case(self, reported_at: dt.datetime, **kw: Any) -> int:
        self._n += 1
        values: dict[str, Any] = {
            "case_no": f"C{self._n:05d}",
            "reported_at": reported_at,
            "station": "S01",
            "fraud_type": "task_rebate",
            "loss_fen": 0,
            "solved": False,
            "arrests": 0,
        }
        values.update(kw)
        with self.factory.begin() as s:
            case = Case(**values)
            s.add(case)
            s.flush()
            return case.id

    def account(self, case_id: int, **kw: Any) -> None:
        with self.factory.begin() as s:
            s.add(CaseAccount(case_id=case_id, account=f"6222{self._n:012d}", **kw))


def minutes(n: float) -> dt.timedelta:
    return dt.timedelta(minutes=n)


def build_october(city: City) -> dict[str, int]:
    """The hand-computed fixture: October 2026, judged at ``AS_OF`` (15 November).

    | w  | level | station | outcome (final?)        | clocks                         |
    |----|-------|---------|-------------------------|--------------------------------|
    | w1 | 4     | S01     | dissuaded, saved 10,000 | contacted, visited, on time    |
    | w2 | 3     | S01     | defrauded, lost 50      | contacted, breached            |
    | w3 | 2     | S01     | mismatch                | on time                        |
    | w4 | 2     | S01     | duplicate               | on time                        |
    | w5 | 1     | S01     | not_found               | on time                        |
    | w6 | 3     | S01     | not_reached (open)      | due 1 Dec (not judged yet)     |
    | w7 | 4     | S01     | —                       | never routed, not signed       |
    | w8 | 3     | S02     | self_protected, saved 200 (type confirmed romance) | on time |
    w6 is the same person as w1. A case of w2's resident 10 days later (victimisation);
    a case on w3's phone 40 days later (outside 30 days, in November); a case of w4's resident
    3 days *before* its warning (not counted). Cases in October: w2's (S01, loss 50 yuan),
    c1 (S01, fake_investment, loss 1,000 yuan, solved, 2 arrests, two accounts: stop filed
    at +30 min and at +31 min) and c2 (S02, romance, loss 200 yuan, 31 Oct 23:59:59).
    """
    city.station("S01", "城关派出所")
    city.station("S02", "东湖派出所")
    officer = city.user("王警官", "S01")
    signed = {"signed_at": T0 + minutes(2)}
    ids: dict[str, int] = {}
    ids["w1"] = city.warning(
        T0,
        resident_id="P1",
        level=4,
        assignee_id=officer,
        contacted_at=T0 + minutes(5),
        visited_at=T0 + minutes(40),
        reasons=[{"kind": "fraud_call"}, {"kind": "remote_app"}, {"kind": "fraud_call"}],
        **signed,
    )
    ids["w2"] = city.warning(
        T0 + dt.timedelta(days=1),
        level=3,
        contacted_at=T0 + dt.timedelta(days=1, minutes=50),
        breached_at=T0 + dt.timedelta(days=1, minutes=30),
        **signed,
    )
    ids["w3"] = city.warning(T0 + dt.timedelta(days=2), level=2, **signed)
    ids["w4"] = city.warning(T0 + dt.timedelta(days=3), level=2, **signed)
    ids["w5"] = city.warning(T0 + dt.timedelta(days=4), level=1, **signed)
    ids["w6"] = city.warning(
        T0 + dt.timedelta(days=20),
        resident_id="P1",
        level=3,
        due_at=dt.datetime(2026, 12, 1),
        due_stage="visit",
        **signed,
    )
    ids["w7"] = city.warning(T0 + dt.timedelta(days=30), level=4, routed_at=None)
    ids["w8"] = city.warning(
        T0 + dt.timedelta(days=30, hours=14, minutes=59),  # 31 Oct 23:59
        level=3,
        station="S02",
        fraud_type="fake_investment",
        source="bank",
        reasons=[{"kind": "flagged_transfer"}],
        **signed,
    )
    day = dt.timedelta(days=1)
    city.outcome(ids["w1"], Category.DISSUADED, T0 + day, amount_saved_fen=1_000_000)
    city.outcome(ids["w2"], Category.DEFRAUDED, T0 + 2 * day, amount_lost_fen=5_000)
    city.outcome(ids["w3"], Category.MISMATCH, T0 + 3 * day)
    city.outcome(ids["w4"], Category.DUPLICATE, T0 + 4 * day)
    city.outcome(ids["w5"], Category.NOT_FOUND, T0 + 5 * day)
    city.outcome(ids["w6"], Category.NOT_REACHED, T0 + 21 * day)
    city.outcome(
        ids["w8"],
        Category.SELF_PROTECTED,
        T0 + 31 * day,
        amount_saved_fen=20_000,
        confirmed_type="romance",
        confirmed_level=3,
    )
    _october_cases(city, ids)
    return ids


def _october_cases(city: City, ids: dict[str, int]) -> None:
    with city.factory() as s:
        w2 = s.get_one(EarlyWarning, ids["w2"])
        w3 = s.get_one(EarlyWarning, ids["w3"])
        w4 = s.get_one(EarlyWarning, ids["w4"])
        w2_resident, w2_at = w2.resident_id, w2.warned_at
        w3_phone, w3_at = w3.phone, w3.warned_at
        w4_resident, w4_at = w4.resident_id, w4.warned_at
    city.case(w4_at - dt.timedelta(days=3), victim_resident_id=w4_resident)  # before: no
    city.case(w2_at + dt.timedelta(days=10), victim_resident_id=w2_resident, loss_fen=5_000)
    city.case(w3_at + dt.timedelta(days=40), victim_phone=w3_phone)
    c1_at = dt.datetime(2026, 10, 10, 14, 0)
    c1 = city.case(c1_at, fraud_type="fake_investment", loss_fen=100_000, solved=True, arrests=2)
    city.account(
        c1,
        stop_requested_at=c1_at + minutes(30),
        stopped_fen=50_000,
        frozen_fen=40_000,
        returned_fen=30_000,
    )
    city.account(c1, stop_requested_at=c1_at + minutes(31), stopped_fen=10_000)
    city.case(
        dt.datetime(2026, 10, 31, 23, 59, 59), station="S02", fraud_type="romance", loss_fen=20_000
    )
