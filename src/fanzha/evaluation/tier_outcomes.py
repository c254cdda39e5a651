"""Simulated outcomes of the automated contacts, for the tier backtest.

An automated warning gets an SMS, an assisted one a voice-robot call (as
``fanzha.workflow.tier.outreach`` queues them live). The final status of each contact is drawn
from fixed probabilities that depend on whether the resident is engaged with the fraud at the
time (ground truth): someone being worked by a fraudster is often on the phone with them or
told not to answer, so a robot call reaches them less. The status maps to an escalation event
by the live table (:data:`~fanzha.workflow.tier.outreach.EVENT_OF_STATUS`). Draws are seeded
per warning and channel, so runs that differ only in the tier rules see the same outcomes.

Default probabilities (assumptions, not measurements; docs/tiers.md):

| contact | resident | final status |
|---|---|---|
| SMS | anyone | delivered 97 %, expired 2 %, failed 1 % |
| robot call | not engaged | confirmed 70 %, answered 10 %, no answer 15 %, refused 5 % |
| robot call | engaged | confirmed 40 %, answered 20 %, no answer 30 %, refused 10 % |

The outcome is final 5 minutes after an SMS is sent and 15 minutes after a call is queued.
A repeated robot call (the tier rules' ``escalation.retry_calls``) is drawn again from the same
table, independently of the first call: an assumption (an engaged resident who did not
answer may well not answer again), which favours the retry.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from fanzha.detection.pipeline import DetectedWarning
from fanzha.evaluation.truth import Target, Truth
from fanzha.workflow.tier.outreach import EVENT_OF_STATUS

#: Whether the resident of detected warning ``index`` is engaged at a time.
Engaged = Callable[[int, dt.datetime], bool]
CHANNEL_OF_TIER = {"automated": "sms", "assisted": "voice"}
Table = tuple[tuple[str, float], ...]

SMS: Table = (("delivered", 0.97), ("expired", 0.02), ("failed", 0.01))
VOICE_COLD: Table = (
    ("confirmed", 0.70),
    ("answered", 0.10),
    ("no_answer", 0.15),
    ("refused", 0.05),
)
VOICE_ENGAGED: Table = (
    ("confirmed", 0.40),
    ("answered", 0.20),
    ("no_answer", 0.30),
    ("refused", 0.10),
)


@dataclass(frozen=True)
class Outcome:
    """A contact's final status, its escalation event (None: reached) and when it is final."""

    status: str
    event: str | None
    delay: dt.timedelta


@dataclass(frozen=True)
class ContactSim:
    """Outcome probabilities per channel (and engagement for calls), and the seed."""

    seed: int = 0
    sms: Table = SMS
    voice_cold: Table = VOICE_COLD
    voice_engaged: Table = VOICE_ENGAGED
    delays: dict[str, dt.timedelta] = field(
        default_factory=lambda: {
            "sms": dt.timedelta(minutes=5),
            "voice": dt.timedelta(minutes=15),
        }
    )

    def outcome(self, key: str, channel: str, engaged: bool, attempt: int = 1) -> Outcome:
        """The drawn outcome of warning ``key``'s contact on ``channel`` (``sms``/``voice``).

        A repeated call (``attempt`` 2, ...) is drawn anew from the same table (assumed
        independent of the first), so the first attempt's draws do not change.
        """
        voice = self.voice_engaged if engaged else self.voice_cold
        table = self.sms if channel == "sms" else voice
        tail = "" if attempt == 1 else f":{attempt}"
        draw = random.Random(f"{self.seed}:{key}:{channel}{tail}").random()
        status = _pick(table, draw)
        return Outcome(status, EVENT_OF_STATUS[status], self.delays[channel])


def _pick(table: Table, draw: float) -> str:
    total = 0.0
    for status, p in table:
        total += p
        if draw < total:
            return status
    return table[-1][0]


def engaged_from_truth(
    detected: list[DetectedWarning], truth: Truth, resident_of: dict[int, str]
) -> Engaged:
    """Ground truth's engagement of each detected warning's resident (as tier_metrics counts
    it: a target beyond a cold contact whose contact began by then)."""
    targets: dict[str, list[Target]] = defaultdict(list)
    for t in truth.targets:
        if t.targeted:
            targets[resident_of.get(t.phone, f"N{t.phone}")].append(t)

    def engaged(index: int, at: dt.datetime) -> bool:
        return any(t.first_contact <= at for t in targets.get(detected[index].resident_id, []))

    return engaged
