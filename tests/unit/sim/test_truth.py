"""Ground truth against the events, the indicator feed and the leads."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.csv as pcsv

from fanzha.core import phone
from fanzha.sim import SimSummary
from tests.unit.sim.helpers import read_kind, read_truth


def _key(text: str) -> int:
    return phone.parse(text)


def test_targets_cover_every_stage(small_city: tuple[Path, SimSummary]) -> None:
    out, summary = small_city
    targets = read_truth(out, "targets")
    assert set(targets.stage) == {"contacted", "engaged", "protected_self", "would_lose"}
    assert targets.phone.is_unique
    assert (targets.stage == "contacted").mean() > 0.8
    assert summary.stages["would_lose"] == (targets.stage == "would_lose").sum()
    registry = set(read_kind(out, "residents")["phone"].to_pylist())
    assert {_key(p) for p in targets.phone} <= registry


def test_would_lose_targets_have_contact_then_payment(small_city: tuple[Path, SimSummary]) -> None:
    out, _ = small_city
    targets = read_truth(out, "targets")
    calls = read_kind(out, "calls").to_pandas()
    sms = read_kind(out, "sms").to_pandas()
    pay = read_kind(out, "transfers").to_pandas()
    losers = targets[targets.stage == "would_lose"]
    assert len(losers) >= 3
    for row in losers.itertuples():
        me, loss = _key(row.phone), pd.Timestamp(row.would_be_loss_time)
        numbers = {_key(n) for n in row.fraud_numbers.split(";")}
        contact = calls[(calls.callee == me) & calls.caller.isin(numbers) & (calls.start < loss)]
        texts = sms[(sms.receiver == me) & sms.sender.isin(numbers) & (sms.time < loss)]
        callback = calls[(calls.caller == me) & calls.callee.isin(numbers) & (calls.start < loss)]
        assert len(contact) + len(texts) + len(callback) > 0, row
        paid = pay[(pay.payer_phone == me) & (pay.time == loss)]
        assert len(paid) == 1, row
        assert float(row.would_be_loss_amount) >= paid.amount.iloc[0]


def test_non_losing_targets_have_no_loss_fields(small_city: tuple[Path, SimSummary]) -> None:
    targets = read_truth(small_city[0], "targets")
    others = targets[targets.stage != "would_lose"]
    assert (others.would_be_loss_time == "").all() and (others.would_be_loss_amount == "").all()


def test_fraud_numbers_call_out_and_are_rarely_called(small_city: tuple[Path, SimSummary]) -> None:
    out, _ = small_city
    numbers = read_truth(out, "fraud_numbers")
    keys = {_key(p) for p in numbers.phone}
    calls = read_kind(out, "calls").to_pandas()
    outgoing = calls.caller.isin(keys).sum()
    incoming = calls.callee.isin(keys).sum()
    assert outgoing > 20 * incoming
    assert set(numbers.number_kind) >= {"virtual", "international", "simbox"}
    assert numbers.blacklisted.astype(int).mean() < 0.5


def test_simbox_numbers_share_imei_and_move(small_city: tuple[Path, SimSummary]) -> None:
    out, _ = small_city
    numbers = read_truth(out, "fraud_numbers")
    simbox = {_key(p) for p in numbers[numbers.number_kind == "simbox"].phone}
    calls = read_kind(out, "calls").to_pandas()
    mine = calls[calls.caller.isin(simbox)]
    per_imei = mine.groupby("imei").caller.nunique()
    assert per_imei.max() > 1
    assert mine.groupby("imei").cell.nunique().max() > 3


def test_blacklist_coverage_matches_parameter(small_city: tuple[Path, SimSummary]) -> None:
    out, _ = small_city
    truth = read_truth(out, "indicators")
    real = truth[truth.is_wrong == "0"]
    for kind, group in real.groupby("kind"):
        share = group.blacklisted.astype(int).mean()
        assert abs(share - 0.3) <= 0.5 / len(group) + 1e-9, kind
    feed = read_kind(out, "indicators").to_pandas()
    listed = set(truth[truth.blacklisted == "1"].value)
    assert set(feed.value) == listed
    assert (truth.is_wrong == "1").sum() >= 3
    assert (feed.valid_from < pd.Timestamp("2026-11-01")).all()


def test_leads_cover_engaged_victims_with_delay(small_city: tuple[Path, SimSummary]) -> None:
    out, _ = small_city
    leads = read_kind(out, "leads").to_pandas()
    targets = read_truth(out, "targets")
    assert leads.instruction_no.is_unique
    assert (leads.phone.notna() | leads.id_number.notna()).all()
    assert set(leads.level) <= {"紧急", "高", "中", "低"}
    engaged = targets[targets.stage != "contacted"]
    phones = {_key(p) for p in engaged.phone}
    matched = leads[leads.phone.isin(phones)]
    assert 0.15 * len(engaged) <= len(matched) <= 0.6 * len(engaged) + 2
    registry = set(read_kind(out, "residents")["phone"].to_pylist())
    assert (~leads.phone.dropna().isin(registry)).any()  # leads for unknown phones


def test_hard_negatives_exist(small_city: tuple[Path, SimSummary]) -> None:
    out, _ = small_city
    fraud = {_key(p) for p in read_truth(out, "fraud_numbers").phone}
    calls = read_kind(out, "calls").to_pandas()
    legit = calls[~calls.caller.isin(fraud) & ~calls.callee.isin(fraud)]
    virtual = legit.caller.astype(str).str[2:5].isin(["170", "171", "165"])
    assert virtual.sum() > 50
    abroad = ~legit.caller.astype(str).str.startswith("86") & (legit.duration_s > 600)
    assert abroad.sum() > 10
    apps = read_kind(out, "app_events").to_pandas()
    tools = apps[
        apps.package.isin(
            ["com.anydesk.anydeskandroid", "com.oray.sunlogin", "us.zoom.videomeetings"]
        )
    ]
    victims = {_key(p) for p in read_truth(out, "targets").query("stage != 'contacted'").phone}
    assert (~tools.phone.isin(victims)).sum() > 5
    kinds = set(read_truth(out, "hard_negatives").kind)
    assert {"courier", "telemarketer", "relative_abroad", "bank_service"} <= kinds


def test_csv_phones_parse_to_parquet_keys(
    small_city: tuple[Path, SimSummary], small_city_csv: tuple[Path, SimSummary]
) -> None:
    parquet = read_kind(small_city[0], "calls").slice(0, 3000).to_pandas()
    opts = pcsv.ConvertOptions(
        column_types={"caller": "string", "callee": "string", "start": "string"}
    )
    csv = pcsv.read_csv(small_city_csv[0] / "calls" / "part-00000.csv", convert_options=opts)
    csv = csv.slice(0, 3000).to_pandas()
    assert [_key(p) for p in csv.caller] == parquet.caller.tolist()
    assert [_key(p) for p in csv.callee] == parquet.callee.tolist()
    assert csv.caller.str.startswith("+86 ").any() and csv.caller.str.contains("-").any()
    assert csv.start.str.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d").all()


def test_engaged_victims_match_published_profile(small_city: tuple[Path, SimSummary]) -> None:
    out, _ = small_city
    targets = read_truth(out, "targets")
    engaged = targets[targets.stage != "contacted"].assign(key=lambda d: d.phone.map(_key))
    residents = read_kind(out, "residents").to_pandas()
    age = 2026 - engaged.merge(residents, left_on="key", right_on="phone").birth_year
    assert len(age) >= 20
    assert 30 <= age.mean() <= 44  # published average victim age: 37
    assert ((age >= 18) & (age <= 40)).mean() > 0.45  # published: 62 %
