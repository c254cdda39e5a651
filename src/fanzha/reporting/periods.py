"""Reporting periods: half-open ``[start, end)`` intervals of naive local times.

Times in the workflow store are naive local times of the centre's zone, so a period is two
naive datetimes in that zone too. ``parse_period`` reads what the CLI accepts:

- ``2026-10-05`` a day, ``2026-W44`` an ISO week (Monday to Monday), ``2026-10`` a month,
  ``2026`` a year, ``2026-10-01..2026-10-31`` a custom range of whole days (end day included).

``previous`` gives the period just before (month-on-month, 环比) and ``same_last_year`` the
same period one year earlier (year-on-year, 同比).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum

from fanzha.reporting.errors import ReportError


class Grain(StrEnum):
    """The kinds of period."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"
    CUSTOM = "custom"


@dataclass(frozen=True)
class Period:
    """``[start, end)`` in naive local time, with the grain it was made from."""

    start: dt.datetime
    end: dt.datetime
    grain: Grain = Grain.CUSTOM

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ReportError("a period must end after it starts", start=self.start, end=self.end)

    @property
    def label(self) -> str:
        """``2026-10``, ``2026-W44``, ``2026-10-05``, ``2026`` or ``2026-10-01..2026-10-31``."""
        d = self.start.date()
        if self.grain is Grain.DAY:
            return d.isoformat()
        if self.grain is Grain.WEEK:
            year, week, _ = d.isocalendar()
            return f"{year}-W{week:02d}"
        if self.grain is Grain.MONTH:
            return f"{d.year}-{d.month:02d}"
        if self.grain is Grain.YEAR:
            return str(d.year)
        last = (self.end - dt.timedelta(microseconds=1)).date()
        return f"{d.isoformat()}..{last.isoformat()}"

    @property
    def days(self) -> float:
        """Length in days."""
        return (self.end - self.start) / dt.timedelta(days=1)

    def contains(self, moment: dt.datetime) -> bool:
        """Whether ``moment`` falls in ``[start, end)``."""
        return self.start <= moment < self.end


def _midnight(d: dt.date) -> dt.datetime:
    return dt.datetime(d.year, d.month, d.day)


def day(d: dt.date) -> Period:
    """The calendar day ``d``."""
    return Period(_midnight(d), _midnight(d + dt.timedelta(days=1)), Grain.DAY)


def week(year: int, number: int) -> Period:
    """ISO week ``number`` of ISO ``year`` (Monday 00:00 to the next Monday)."""
    try:
        monday = dt.date.fromisocalendar(year, number, 1)
    except ValueError as exc:
        raise ReportError(f"no ISO week {number} in {year}") from exc
    return Period(_midnight(monday), _midnight(monday + dt.timedelta(days=7)), Grain.WEEK)


def month(year: int, number: int) -> Period:
    """Calendar month ``number`` of ``year``."""
    if not 1 <= number <= 12:
        raise ReportError(f"no month {number}")
    nxt = (year + 1, 1) if number == 12 else (year, number + 1)
    return Period(dt.datetime(year, number, 1), dt.datetime(*nxt, 1), Grain.MONTH)


def year(number: int) -> Period:
    """Calendar year ``number``."""
    return Period(dt.datetime(number, 1, 1), dt.datetime(number + 1, 1, 1), Grain.YEAR)


def custom(first: dt.date, last: dt.date) -> Period:
    """Whole days ``first`` to ``last``, both included."""
    if last < first:
        raise ReportError("the last day is before the first", first=first, last=last)
    return Period(_midnight(first), _midnight(last + dt.timedelta(days=1)), Grain.CUSTOM)


_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^(\d{4})$"), "year"),
    (re.compile(r"^(\d{4})-(\d{1,2})$"), "month"),
    (re.compile(r"^(\d{4})-W(\d{1,2})$", re.IGNORECASE), "week"),
    (re.compile(r"^(\d{4}-\d{2}-\d{2})$"), "day"),
    (re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$"), "custom"),
)


def parse_period(text: str) -> Period:
    """Read ``2026``, ``2026-10``, ``2026-W44``, ``2026-10-05`` or ``2026-10-01..2026-10-31``."""
    value = text.strip()
    for pattern, kind in _PATTERNS:
        match = pattern.match(value)
        if match:
            try:
                return _build(kind, match.groups())
            except ValueError as exc:
                raise ReportError(f"invalid period {text!r}: {exc}") from exc
    raise ReportError(
        f"cannot read period {text!r}; use 2026, 2026-10, 2026-W44, 2026-10-05 "
        "or 2026-10-01..2026-10-31"
    )


def _build(kind: str, parts: tuple[str | None, ...]) -> Period:
    values = [p or "" for p in parts]
    if kind == "year":
        return year(int(values[0]))
    if kind == "month":
        return month(int(values[0]), int(values[1]))
    if kind == "week":
        return week(int(values[0]), int(values[1]))
    if kind == "day":
        return day(dt.date.fromisoformat(values[0]))
    return custom(dt.date.fromisoformat(values[0]), dt.date.fromisoformat(values[1]))


def previous(period: Period) -> Period:
    """The period just before: the previous day/week/month/year, or as many days before."""
    start = period.start.date()
    if period.grain is Grain.MONTH:
        return month(start.year - 1, 12) if start.month == 1 else month(start.year, start.month - 1)
    if period.grain is Grain.YEAR:
        return year(start.year - 1)
    return Period(period.start - (period.end - period.start), period.start, period.grain)


def same_last_year(period: Period) -> Period:
    """The same period one year earlier.

    A month or year is the same calendar month/year; an ISO week the same week number (week
    53 becomes week 52 when last year has none); a day or custom range shifts its dates one
    year back (29 February becomes 28 February, and a range ending on it keeps its length).
    """
    start = period.start.date()
    if period.grain is Grain.MONTH:
        return month(start.year - 1, start.month)
    if period.grain is Grain.YEAR:
        return year(start.year - 1)
    if period.grain is Grain.WEEK:
        iso_year, number, _ = start.isocalendar()
        weeks = dt.date(iso_year - 1, 12, 28).isocalendar()[1]
        return week(iso_year - 1, min(number, weeks))
    first = _minus_year(start)
    length = period.end - period.start
    return Period(_midnight(first), _midnight(first) + length, period.grain)


def _minus_year(d: dt.date) -> dt.date:
    if d.month == 2 and d.day == 29:
        return dt.date(d.year - 1, 2, 28)
    return d.replace(year=d.year - 1)


def split(period: Period, grain: Grain) -> list[Period]:
    """Cut ``period`` into consecutive days/weeks/months/years, clipped to its bounds."""
    if grain is Grain.CUSTOM:
        return [period]
    parts: list[Period] = []
    cursor = period.start
    while cursor < period.end:
        whole = _containing(cursor.date(), grain)
        end = min(whole.end, period.end)
        parts.append(
            Period(
                cursor, end, grain if (whole.start, whole.end) == (cursor, end) else Grain.CUSTOM
            )
        )
        cursor = end
    return parts


def _containing(d: dt.date, grain: Grain) -> Period:
    if grain is Grain.DAY:
        return day(d)
    if grain is Grain.WEEK:
        iso_year, number, _ = d.isocalendar()
        return week(iso_year, number)
    if grain is Grain.MONTH:
        return month(d.year, d.month)
    return year(d.year)
