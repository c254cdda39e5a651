"""Simulated case reports: one per paying victim, consistent with the transfers, importable."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pyarrow.compute as pc

from fanzha.core import phone
from fanzha.sim import SimSummary
from fanzha.store.database import make_engine, session_factory, upgrade
from fanzha.workflow.case.importer import import_cases
from fanzha.workflow.case.residents import ResidentIndex
from fanzha.workflow.case.schemas import CaseClocks
from tests.unit.sim.helpers import read_kind, read_truth


def _cases(out: Path) -> pd.DataFrame:
    return pd.read_csv(out / "cases.csv", dtype=str, keep_default_na=False)


def test_simulated_cases_match_paying_victims_and_their_transfers(
    small_city: tuple[Path, SimSummary],
) -> None:
    out, summary = small_city
    cases = _cases(out)
    assert 0 < cases.case_no.nunique() <= summary.would_lose
    mules = set(read_truth(out, "indicators").query("kind == 'account'").value)
    assert set(cases.account) <= mules
    transfers = read_kind(out, "transfers")
    for _, row in cases.iterrows():
        mask = pc.and_(
            pc.equal(transfers["payee_account"], row.account),
            pc.equal(transfers["payer_phone"], phone.parse(row.phone)),
        )
        paid = sum(Decimal(str(a)) for a in transfers.filter(mask)["amount"].to_pylist())
        assert Decimal(row.paid) == paid, row.case_no
    per_case = cases.groupby("case_no").apply(lambda g: sum(Decimal(p) for p in g.paid))
    loss = cases.drop_duplicates("case_no").set_index("case_no").loss.map(Decimal)
    assert (per_case == loss).all()


def test_simulated_cases_clocks_are_in_order(small_city: tuple[Path, SimSummary]) -> None:
    cases = _cases(small_city[0])
    for _, row in cases.iterrows():
        reported = dt.datetime.fromisoformat(row.reported_at)
        assert dt.datetime.fromisoformat(row.paid_at) < reported
        if row.stop_at:
            stop = dt.datetime.fromisoformat(row.stop_at)
            assert stop > reported and Decimal(row.stopped) <= Decimal(row.paid)
        if row.frozen_at:
            assert dt.datetime.fromisoformat(row.frozen_at) > stop
        if row.returned:
            assert Decimal(row.returned) <= Decimal(row.frozen)


def test_simulated_cases_import_without_quarantine(
    small_city: tuple[Path, SimSummary], tmp_path: Path
) -> None:
    out, _ = small_city
    url = f"sqlite:///{tmp_path / 'w.db'}"
    upgrade(url)
    factory = session_factory(make_engine(url))
    report = import_cases(
        out / "cases.csv",
        factory=factory,
        residents=ResidentIndex(None),
        clocks=CaseClocks(),
        now=dt.datetime(2026, 12, 1),
        quarantine_dir=tmp_path,
        pseudonym_key="k",
    )
    assert report.quarantined == 0, report.reasons
    assert report.cases_new == _cases(out).case_no.nunique()
