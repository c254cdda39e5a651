"""Periods: parsing, previous period, same period last year, splitting."""

from __future__ import annotations

import datetime as dt

import pytest

from fanzha.reporting import periods
from fanzha.reporting.errors import ReportError
from fanzha.reporting.periods import Grain, parse_period


@pytest.mark.parametrize(
    ("text", "start", "end", "label"),
    [
        ("2026", dt.datetime(2026, 1, 1), dt.datetime(2027, 1, 1), "2026"),
        ("2026-10", dt.datetime(2026, 10, 1), dt.datetime(2026, 11, 1), "2026-10"),
        ("2026-12", dt.datetime(2026, 12, 1), dt.datetime(2027, 1, 1), "2026-12"),
        ("2026-W44", dt.datetime(2026, 10, 26), dt.datetime(2026, 11, 2), "2026-W44"),
        ("2026-w01", dt.datetime(2025, 12, 29), dt.datetime(2026, 1, 5), "2026-W01"),
        ("2026-10-05", dt.datetime(2026, 10, 5), dt.datetime(2026, 10, 6), "2026-10-05"),
        (
            "2026-10-01..2026-10-31",
            dt.datetime(2026, 10, 1),
            dt.datetime(2026, 11, 1),
            "2026-10-01..2026-10-31",
        ),
    ],
)
def test_parse_period_reads_every_form(
    text: str, start: dt.datetime, end: dt.datetime, label: str
) -> None:
    p = parse_period(text)
    assert (p.start, p.end, p.label) == (start, end, label)


@pytest.mark.parametrize(
    "text", ["2026-13", "2026-W54", "2025-W53", "26-10", "2026-10-31..2026-10-01", "x"]
)
def test_parse_period_refuses_bad_text(text: str) -> None:
    with pytest.raises(ReportError):
        parse_period(text)


def test_previous_crosses_the_year_boundary() -> None:
    assert periods.previous(parse_period("2026-01")).label == "2025-12"
    assert periods.previous(parse_period("2026-W01")).label == "2025-W52"
    assert periods.previous(parse_period("2026-01-01")).label == "2025-12-31"
    assert periods.previous(parse_period("2026")).label == "2025"
    custom = periods.previous(parse_period("2026-01-01..2026-01-10"))
    assert custom.label == "2025-12-22..2025-12-31"
    assert periods.previous(parse_period("2024-03")).days == 29  # leap February


def test_same_last_year_handles_leap_days_and_week_53() -> None:
    assert periods.same_last_year(parse_period("2024-02")).days == 28
    assert periods.same_last_year(parse_period("2024-02-29")).label == "2023-02-28"
    span = periods.same_last_year(parse_period("2024-02-28..2024-03-01"))
    assert (span.start, span.days) == (dt.datetime(2023, 2, 28), 3)
    assert periods.same_last_year(parse_period("2026-W53")).label == "2025-W52"
    assert periods.same_last_year(parse_period("2026-W44")).label == "2025-W44"
    assert periods.same_last_year(parse_period("2027-01")).label == "2026-01"


def test_split_clips_to_the_period() -> None:
    parts = periods.split(parse_period("2026-10"), Grain.WEEK)
    assert [p.label for p in parts] == [
        "2026-10-01..2026-10-04",
        "2026-W41",
        "2026-W42",
        "2026-W43",
        "2026-10-26..2026-10-31",
    ]
    months = periods.split(parse_period("2026"), Grain.MONTH)
    assert len(months) == 12 and months[-1].label == "2026-12"
    assert sum(p.days for p in months) == 365
    assert len(periods.split(parse_period("2024"), Grain.DAY)) == 366


def test_period_contains_is_half_open() -> None:
    p = parse_period("2026-10")
    assert p.contains(dt.datetime(2026, 10, 1)) and not p.contains(dt.datetime(2026, 11, 1))
    assert p.contains(dt.datetime(2026, 10, 31, 23, 59, 59, 999999))
