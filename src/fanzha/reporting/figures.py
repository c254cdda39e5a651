"""The figures the metrics return: typed, immutable, with every rate as numerator/denominator.

Money is in fen (1/100 yuan) everywhere here; :func:`yuan` formats it for display. A rate
with a zero denominator has ``value`` ``None`` and is shown as ``—`` (:func:`percent`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fanzha.reporting.periods import Period

DASH = "—"


@dataclass(frozen=True)
class Rate:
    """``numerator ÷ denominator``; ``value`` is ``None`` when the denominator is 0."""

    numerator: int
    denominator: int

    @property
    def value(self) -> float | None:
        """The ratio, or ``None`` when there is nothing to divide by."""
        return None if self.denominator == 0 else self.numerator / self.denominator

    def __add__(self, other: Rate) -> Rate:
        return Rate(self.numerator + other.numerator, self.denominator + other.denominator)


@dataclass(frozen=True)
class WarningFigures:
    """What happened to the warnings issued in a period (each judged by its current outcome).

    ``saved_fen`` is the officers' self-reported amount protected; ``lost_fen`` the amount
    lost reported in 已被骗 outcomes.
    """

    issued: int = 0
    signed: int = 0
    fed_back: int = 0
    closed: int = 0
    checkable: int = 0
    fraud_related: int = 0
    mismatch: int = 0
    duplicate: int = 0
    not_found: int = 0
    defrauded: int = 0
    people: int = 0
    saved_fen: int = 0
    lost_fen: int = 0
    accuracy: Rate = Rate(0, 0)
    false_positive: Rate = Rate(0, 0)
    duplicate_share: Rate = Rate(0, 0)
    success: Rate = Rate(0, 0)
    on_time: Rate = Rate(0, 0)
    on_time_by_level: dict[int, Rate] = field(default_factory=dict)
    face_to_face: Rate = Rate(0, 0)
    victimisation: Rate = Rate(0, 0)


@dataclass(frozen=True)
class CaseFigures:
    """The fraud cases reported in a period and their money trail (amounts in fen)."""

    cases: int = 0
    loss_fen: int = 0
    solved: int = 0
    arrests: int = 0
    accounts: int = 0
    stop_filed: int = 0
    stop_on_time: Rate = Rate(0, 0)
    stopped_fen: int = 0
    frozen_fen: int = 0
    returned_fen: int = 0


@dataclass(frozen=True)
class Filters:
    """Optional restrictions; ``None`` means all. Cases honour ``station`` and ``fraud_type``."""

    station: str | None = None
    fraud_type: str | None = None
    source: str | None = None
    level: int | None = None


@dataclass(frozen=True)
class Summary:
    """Every figure of one period."""

    period: Period
    filters: Filters
    warnings: WarningFigures
    cases: CaseFigures


@dataclass(frozen=True)
class Row:
    """One line of a breakdown: a key (``None`` = not set), its display label and figures.

    ``cases`` is ``None`` for dimensions cases do not have (source, level, officer, rule).
    """

    key: Any
    label: str
    warnings: WarningFigures
    cases: CaseFigures | None


@dataclass(frozen=True)
class Point:
    """One step of a time series."""

    period: Period
    warnings: WarningFigures
    cases: CaseFigures


@dataclass(frozen=True)
class Change:
    """How one figure moved between two periods; ``good`` says whether that is the wanted way.

    ``ratio`` is ``(current - previous) / previous``, ``None`` when previous is 0.
    """

    name: str
    current: float | None
    previous: float | None
    delta: float | None
    ratio: float | None
    good: bool | None


def yuan(fen: int) -> str:
    """``123456`` fen → ``1,234.56``."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole:,}.{cents:02d}"


def percent(rate: Rate | float | None, digits: int = 1) -> str:
    """``Rate(1, 3)`` → ``33.3%``; a zero denominator or ``None`` → ``—``."""
    value = rate.value if isinstance(rate, Rate) else rate
    return DASH if value is None else f"{value * 100:.{digits}f}%"
