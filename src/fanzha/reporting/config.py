"""What the rates count: the configurable parts of the definitions in ``docs/reporting.md``.

The defaults follow ``domain.md``; a centre changes them with the ``FANZHA_REPORT_*``
settings (:func:`from_settings`).
"""

from __future__ import annotations

from dataclasses import dataclass

from fanzha.core.levels import Level
from fanzha.reporting.errors import ReportError
from fanzha.settings import Settings
from fanzha.workflow.outcome.models import CATEGORIES, Category

# Final outcomes that confirm the lead was fraud-related (contact with a fraudster confirmed).
FRAUD_OUTCOMES = (
    Category.SELF_PROTECTED,
    Category.DISSUADED,
    Category.DEFRAUDED,
    Category.RELATIVE,
    Category.VISITED,
)
# Final outcomes that cannot tell whether the lead was right: left out of "checkable".
UNCHECKED_OUTCOMES = (Category.NOT_FOUND, Category.DUPLICATE)
# Outcomes an officer can only record after reaching the person (or a relative).
CONTACT_OUTCOMES = (
    Category.SELF_PROTECTED,
    Category.DISSUADED,
    Category.RELATIVE,
    Category.VISITED,
)
# Final outcomes after which no visit is owed (nobody to visit).
NO_VISIT_OUTCOMES = (Category.MISMATCH, Category.DUPLICATE, Category.NOT_FOUND)
VISIT_LEVELS = (Level.EMERGENCY, Level.HIGH)


@dataclass(frozen=True)
class MetricsConfig:
    """The knobs of the metric definitions (see ``docs/reporting.md``)."""

    fraud_outcomes: tuple[str, ...] = tuple(c.value for c in FRAUD_OUTCOMES)
    unchecked_outcomes: tuple[str, ...] = tuple(c.value for c in UNCHECKED_OUTCOMES)
    contact_outcomes: tuple[str, ...] = tuple(c.value for c in CONTACT_OUTCOMES)
    no_visit_outcomes: tuple[str, ...] = tuple(c.value for c in NO_VISIT_OUTCOMES)
    visit_levels: tuple[int, ...] = tuple(int(v) for v in VISIT_LEVELS)
    victimisation_days: int = 30
    stop_payment_minutes: int = 30
    timezone: str = "Asia/Shanghai"  # "now" for the on-time and face-to-face rates

    def __post_init__(self) -> None:
        final = {c.value for c, info in CATEGORIES.items() if info.final}
        for name in ("fraud_outcomes", "unchecked_outcomes", "no_visit_outcomes"):
            unknown = set(getattr(self, name)) - final
            if unknown:
                raise ReportError(
                    "not a final outcome category", setting=name, values=sorted(unknown)
                )
        known = {c.value for c in Category}
        if set(self.contact_outcomes) - known:
            raise ReportError("unknown outcome category", setting="contact_outcomes")
        if self.victimisation_days < 1 or self.stop_payment_minutes < 1:
            raise ReportError("victimisation days and stop-payment minutes must be positive")


def from_settings(settings: Settings) -> MetricsConfig:
    """The metric definitions a centre configured."""
    return MetricsConfig(
        fraud_outcomes=tuple(settings.report_fraud_outcomes),
        unchecked_outcomes=tuple(settings.report_unchecked_outcomes),
        visit_levels=tuple(settings.report_visit_levels),
        victimisation_days=settings.report_victimisation_days,
        stop_payment_minutes=settings.case_stop_minutes,
        timezone=settings.timezone,
    )
