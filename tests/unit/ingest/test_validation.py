"""Row validation and normalisation: every bad value is quarantined with its reason."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from fanzha.core.idcard import pseudonymise
from fanzha.core.levels import Level
from fanzha.store.event_store import EventStore

from .conftest import KEY, Ingest, assert_invariant, make_id, quarantine_rows, write_csv


def _reasons(report: object) -> dict[str, str]:
    return {r["row"]: f"{r['column']}: {r['reason']}" for r in quarantine_rows(report)}  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (["abc", "13900001111", "2024-05-01 10:00", "1"], "caller: not a recognised phone number"),
        (["13812345678", "", "2024-05-01 10:00", "1"], "callee: missing value"),
        (["13812345678", "13900001111", "2024-13-01 10:00", "1"], "start: not a recognised time"),
        (["13812345678", "13900001111", "1900-01-01 10:00", "1"], "start: time out of range"),
        (["13812345678", "13900001111", "2024-05-01 10:00", "-1"], "duration_s: duration must be"),
        (
            ["13812345678", "13900001111", "2024-05-01 10:00", "1.5"],
            "duration_s: not a whole number",
        ),
    ],
)
def test_calls_bad_values_are_quarantined(
    tmp_path: Path, ingest: Ingest, row: list[str], reason: str
) -> None:
    good = ["13812345678", "13900001111", "2024-05-01 09:00", "5"]
    path = write_csv(
        tmp_path / "calls.csv", ["caller", "callee", "start", "duration_s"], [good, row]
    )
    report = ingest("calls", path)
    assert_invariant(report)
    assert report.files[0].new == 1
    assert _reasons(report)["3"].startswith(reason)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-05-01 10:00:00", dt.datetime(2024, 5, 1, 10)),
        ("2024/05/01 10:00", dt.datetime(2024, 5, 1, 10)),
        ("2024-05-01T10:00:00", dt.datetime(2024, 5, 1, 10)),
        ("2024-05-01T02:00:00Z", dt.datetime(2024, 5, 1, 10)),
        ("2024-05-01T04:00:00+02:00", dt.datetime(2024, 5, 1, 10)),
        ("45413.41666666667", dt.datetime(2024, 5, 1, 10)),
    ],
)
def test_time_forms_become_local_naive_timestamps(
    tmp_path: Path, ingest: Ingest, store: EventStore, text: str, expected: dt.datetime
) -> None:
    path = write_csv(
        tmp_path / "sms.csv", ["sender", "receiver", "time"], [["95588", "13812345678", text]]
    )
    assert ingest("sms", path).files[0].new == 1
    assert store.connect().execute("SELECT time FROM sms").fetchone() == (expected,)


def test_in_file_duplicates_are_quarantined_with_first_row(tmp_path: Path, ingest: Ingest) -> None:
    rows = [
        ["13812345678", "95588", "2024-05-01 10:00", "hi"],
        ["+86 138 1234 5678", "95588", "2024/05/01 10:00", "hi"],
    ]
    report = ingest(
        "sms", write_csv(tmp_path / "sms.csv", ["sender", "receiver", "time", "text"], rows)
    )
    assert_invariant(report)
    assert report.files[0].new == 1
    assert _reasons(report) == {"3": ": duplicate of row 2"}


def test_residents_ids_are_pseudonymised_and_never_stored(
    tmp_path: Path, ingest: Ingest, store: EventStore
) -> None:
    good, bad = make_id(1), make_id(2)[:-1] + ("1" if make_id(2)[-1] != "1" else "2")
    rows = [
        ["13812345678", good, "1980", "男", "退休", "CM001"],
        ["13912345678", bad, "1981", "F", "office", "CM001"],
        ["13712345678", make_id(3), "1982", "X", "office", "CM001"],
        ["13612345678", make_id(4), "1800", "F", "astronaut", "CM001"],
    ]
    header = ["手机号", "身份证号", "出生年份", "性别", "职业", "社区"]
    report = ingest("residents", write_csv(tmp_path / "residents.csv", header, rows))
    assert_invariant(report)
    stored = store.connect().execute("SELECT * FROM residents").fetchall()
    assert stored == [(pseudonymise(good, KEY), 8613812345678, 1980, "M", "retiree", "CM001")]
    reasons = _reasons(report)
    assert reasons["3"] == "id_number: ID number checksum does not match"
    assert reasons["4"].startswith("gender: not one of M/F")
    assert reasons["5"] == "birth_year: birth year out of range"
    text = report.files[0].quarantine_file.read_text(encoding="utf-8")  # type: ignore[union-attr]
    assert bad not in text and make_id(3) not in text and "990101************" in text
    for path in (store.root).rglob("*"):
        if path.is_file():
            assert good.encode() not in path.read_bytes() and bad.encode() not in path.read_bytes()


def test_leads_need_phone_or_id_and_parse_levels(
    tmp_path: Path, ingest: Ingest, store: EventStore
) -> None:
    header = ["phone", "id_number", "fraud_type", "level", "source_unit", "instruction_no", "time"]
    rows = [
        ["13812345678", "", "冒充公检法", "紧急", "省反诈中心", "A-1", "2024-05-01 10:00"],
        ["", make_id(5), "", "2", "省反诈中心", "A-2", "2024-05-01 10:00"],
        ["", "", "刷单", "高", "省反诈中心", "A-3", "2024-05-01 10:00"],
        ["13812345678", "", "星际诈骗", "高", "省反诈中心", "A-4", "2024-05-01 10:00"],
        ["13812345678", "", "", "超高", "省反诈中心", "A-5", "2024-05-01 10:00"],
    ]
    report = ingest("leads", write_csv(tmp_path / "leads.csv", header, rows))
    assert_invariant(report)
    stored = (
        store.connect()
        .execute("SELECT phone, id_hash, fraud_type, level FROM leads ORDER BY instruction_no")
        .fetchall()
    )
    assert stored == [
        (8613812345678, None, "impersonate_police", int(Level.EMERGENCY)),
        (None, pseudonymise(make_id(5), KEY), None, int(Level.MEDIUM)),
    ]
    reasons = _reasons(report)
    assert reasons["4"].startswith("phone: a lead needs")
    assert reasons["5"] == "fraud_type: unknown fraud type"
    assert reasons["6"].startswith("level: unknown warning level")


def test_transfers_amounts_and_channels(tmp_path: Path, ingest: Ingest, store: EventStore) -> None:
    header = ["付款人手机号", "付款账号", "收款账号", "金额", "交易时间", "渠道"]
    rows = [
        ["13812345678", "6222 0000 1111", "", "1,234.50", "2024-05-01 10:00", "ATM取现"],
        ["13812345678", "6222 0000 1111", "6222 9", "0", "2024-05-01 10:00", "bank"],
        ["13812345678", "6222 0000 1111", "6222 9", "abc", "2024-05-01 10:00", "bank"],
        ["13812345678", "6222 0000 1111", "6222 9", "5", "2024-05-01 10:00", "pigeon"],
    ]
    report = ingest("transfers", write_csv(tmp_path / "t.csv", header, rows))
    assert_invariant(report)
    assert store.connect().execute(
        "SELECT payer_account, payee_account, amount, channel FROM transfers"
    ).fetchall() == [("622200001111", None, 1234.5, "atm_withdrawal")]
    reasons = _reasons(report)
    assert reasons["3"] == "amount: amount must be > 0"
    assert reasons["4"] == "amount: not a number"
    assert reasons["5"].startswith("channel: not one of")


def test_url_visits_get_lower_case_host(tmp_path: Path, ingest: Ingest, store: EventStore) -> None:
    rows = [
        ["13812345678", "2024-05-01 10:00", "https://Pay.EXAMPLE-Fraud.cn:8443/x?y=1"],
        ["13812345678", "2024-05-01 10:00", "not a url"],
    ]
    report = ingest("url_visits", write_csv(tmp_path / "u.csv", ["phone", "time", "url"], rows))
    assert store.connect().execute("SELECT host FROM url_visits").fetchall() == [
        ("pay.example-fraud.cn",)
    ]
    assert _reasons(report)["3"] == "url: not a URL"


def test_indicators_values_normalised_per_kind(
    tmp_path: Path, ingest: Ingest, store: EventStore
) -> None:
    header = ["kind", "value", "fraud_type", "source", "confidence"]
    rows = [
        ["phone", "+86 170 1234 5678", "刷单", "operator", ""],
        ["domain", "Evil.EXAMPLE.cn", "", "operator", "0.5"],
        ["account", "6222 0000 9999", "", "bank", "1"],
        ["phone", "not-a-phone", "", "operator", ""],
        ["url", "http://x.cn/a", "", "operator", "7"],
    ]
    report = ingest("indicators", write_csv(tmp_path / "i.csv", header, rows))
    assert_invariant(report)
    stored = (
        store.connect()
        .execute("SELECT kind, value, phone, confidence FROM indicators ORDER BY kind")
        .fetchall()
    )
    assert stored == [
        ("account", "622200009999", None, 1.0),
        ("domain", "evil.example.cn", None, 0.5),
        ("phone", "8617012345678", 8617012345678, 1.0),
    ]
    reasons = _reasons(report)
    assert reasons["5"] == "value: not a valid phone"
    assert reasons["6"] == "confidence: confidence must be between 0 and 1"


def test_rows_invariant_holds_for_mixed_file(tmp_path: Path, ingest: Ingest) -> None:
    rows = [["13812345678", "95588", f"2024-05-01 10:{m:02d}", "x"] for m in range(60)]
    rows += [["bad", "95588", "2024-05-01 10:00", "x"], rows[0], ["13812345678", "95588"]]
    report = ingest(
        "sms", write_csv(tmp_path / "sms.csv", ["sender", "receiver", "time", "text"], rows)
    )
    f = report.files[0]
    assert (f.rows_read, f.new, f.quarantined) == (63, 60, 3)
    assert_invariant(report)


def test_infinite_and_far_times_are_quarantined_quickly(tmp_path: Path, ingest: Ingest) -> None:
    # found by tests/fault/test_ingest_fuzz.py: 'inf' parsed as an infinite timestamp and was
    # stored (then crashed the day split); a time decades away made the store scan every day
    rows = [
        ["13812345678", "13900001111", "inf", "1"],
        ["13812345678", "13900001111", "-infinity", "1"],
        ["13812345678", "13900001111", "2024-05-01 10:00:00", "1"],
        ["13812345678", "13900001111", "2099-12-31 10:00:00", "1"],
        ["13812345678", "13900001111", "1970-01-02 10:00:00", "1"],
    ]
    report = ingest(
        "calls",
        write_csv(tmp_path / "calls.csv", ["caller", "callee", "start", "duration_s"], rows),
    )
    assert_invariant(report)
    assert (report.files[0].new, report.files[0].quarantined) == (3, 2)
    assert {r["reason"] for r in quarantine_rows(report)} == {"time out of range"}
    again = ingest("calls", tmp_path / "calls.csv")
    assert (again.files[0].new, again.files[0].already_present) == (0, 3)
