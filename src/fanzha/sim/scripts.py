"""Victim journeys per fraud type: the steps, their pacing and the amounts.

A step is ``(min gap, max gap)`` in minutes after the previous step, an action and its
argument. Actions: ``call_in`` (fraud number calls the victim; argument = talk seconds range),
``call_out`` (victim calls the number back), ``sms`` (scam text with a link), ``visit`` (the
victim opens a fraud URL), ``install`` (``remote`` = a real screen-sharing tool,
``fraud`` = the operation's app), ``pay`` (victim → mule account; yuan range), ``withdraw``
(cash at an ATM, handed over), ``rebate`` (mule → victim: the bait of task/investment scams).
"""

from __future__ import annotations

Step = tuple[int, int, str, tuple[int, int] | str | None]
H = 60
D = 1440

SCRIPTS: dict[str, tuple[Step, ...]] = {
    "impersonate_police": (
        (0, 0, "call_in", (120, 900)),
        (2, 15, "call_in", (1200, 3600)),
        (3, 15, "sms", None),
        (2, 10, "visit", None),
        (5, 20, "install", "remote"),
        (5, 30, "call_in", (1800, 5400)),
        (20, 90, "pay", (20000, 300000)),
        (30, 150, "withdraw", (20000, 100000)),
        (20, 120, "pay", (50000, 400000)),
    ),
    "fake_customer_service": (
        (0, 0, "call_in", (180, 900)),
        (2, 10, "install", "remote"),
        (1, 5, "visit", None),
        (3, 20, "call_in", (600, 2400)),
        (10, 40, "pay", (3000, 30000)),
        (10, 60, "pay", (5000, 50000)),
    ),
    "task_rebate": (
        (0, 0, "sms", None),
        (30, 10 * H, "visit", None),
        (5, 60, "install", "fraud"),
        (10, 60, "pay", (50, 300)),
        (5, 30, "rebate", (60, 400)),
        (10 * H, D, "call_in", (60, 300)),
        (5, 30, "pay", (1000, 5000)),
        (D, 2 * D, "call_in", (60, 600)),
        (5, 30, "pay", (5000, 30000)),
        (30, 2 * H, "call_in", (60, 600)),
        (5, 30, "pay", (10000, 50000)),
    ),
    "fake_investment": (
        (0, 0, "sms", None),
        (H, D, "visit", None),
        (H, 10 * H, "install", "fraud"),
        (D, 3 * D, "call_in", (600, 1800)),
        (10, 30, "pay", (1000, 5000)),
        (D, 2 * D, "rebate", (1100, 6000)),
        (2 * D, 5 * D, "call_in", (600, 2400)),
        (10, 30, "pay", (50000, 500000)),
        (D, 3 * D, "call_in", (600, 2400)),
        (10, 30, "pay", (50000, 300000)),
    ),
    "fake_shopping": (
        (0, 0, "sms", None),
        (5, 2 * H, "visit", None),
        (5, 30, "call_in", (60, 300)),
        (5, 30, "pay", (200, 3000)),
        (30, 4 * H, "call_in", (60, 600)),
        (5, 30, "pay", (500, 5000)),
    ),
    "fake_loan": (
        (0, 0, "sms", None),
        (10, 4 * H, "visit", None),
        (5, 30, "install", "fraud"),
        (10, 60, "call_out", (120, 900)),
        (5, 20, "pay", (500, 3000)),
        (30, 4 * H, "call_in", (120, 600)),
        (5, 20, "pay", (1000, 10000)),
    ),
    "fake_credit": (
        (0, 0, "call_in", (300, 1500)),
        (5, 20, "install", "remote"),
        (5, 30, "call_in", (900, 3600)),
        (10, 40, "pay", (10000, 80000)),
        (10, 60, "pay", (10000, 50000)),
    ),
    "impersonate_boss": (
        (0, 0, "sms", None),
        (5, 60, "call_in", (20, 90)),
        (5, 40, "pay", (20000, 200000)),
        (20, 90, "pay", (30000, 300000)),
    ),
    "romance": (
        (0, 0, "call_in", (300, 1800)),
        (D, 2 * D, "call_in", (900, 3600)),
        (D, 2 * D, "call_in", (900, 3600)),
        (10 * H, 2 * D, "visit", None),
        (H, 10 * H, "install", "fraud"),
        (D, 3 * D, "call_in", (900, 3600)),
        (10, 30, "pay", (10000, 50000)),
        (D, 2 * D, "call_in", (900, 3600)),
        (10, 30, "pay", (50000, 300000)),
    ),
    "game_trade": (
        (0, 0, "sms", None),
        (5, 60, "visit", None),
        (5, 30, "install", "fraud"),
        (5, 20, "pay", (100, 800)),
        (10, 60, "call_in", (60, 300)),
        (5, 20, "pay", (300, 3000)),
    ),
}
LOSS_ACTIONS = ("pay", "withdraw")
# journeys with engagement started per day at the calibration size (before the outcome draw)
JOURNEYS_PER_DAY = 30.0
OUTCOMES = (("would_lose", 0.35), ("protected_self", 0.25), ("engaged", 0.40))
# the second caller of a police scam is the "officer"; other types keep one handler number
HANDLER_KIND = {
    "impersonate_police": "international",
    "romance": "international",
    "fake_investment": "virtual",
    "impersonate_boss": "local",
}


def span_days(fraud_type: str) -> int:
    """Longest possible duration of a journey, in whole days (rounded up)."""
    return -(-sum(step[1] for step in SCRIPTS[fraud_type]) // D)


def first_loss_index(fraud_type: str) -> int:
    """Index of the first step where money leaves."""
    return next(i for i, s in enumerate(SCRIPTS[fraud_type]) if s[2] in LOSS_ACTIONS)
