"""The stream's first-of-a-kind history forgets keys unseen for longer than its horizon."""

from __future__ import annotations

import datetime as dt
import pickle
from collections.abc import Callable
from typing import Any

import pytest

from fanzha.detection.keyword_scorer import KeywordScorer
from fanzha.detection.rules import load_rules
from fanzha.settings import Settings
from fanzha.stream.consumer import dump_state, load_state
from fanzha.stream.events import Event
from fanzha.stream.lookups import Entry, Lookups
from fanzha.stream.scorer import StreamScorer, StreamState
from fanzha.stream.seen import SeenState

HORIZON = 3
PHONE = 8613800000001
APP = "com.bad.loan"
DAY0 = dt.datetime(2024, 3, 1, 9, 0)


def at(day: int, minute: int = 0) -> dt.datetime:
    return DAY0 + dt.timedelta(days=day, minutes=minute)


def payment(n: int, t: dt.datetime) -> Event:
    return {
        "kind": "transfers", "time": t, "payer_phone": PHONE, "payer_account": f"A{n}",
        "payee_account": "B", "amount": 500.0, "channel": "mobile_banking",
    }  # fmt: skip


def install(n: int, t: dt.datetime) -> Event:
    return {"kind": "app_events", "time": t, "phone": PHONE + n, "package": APP, "event": "install"}


def long_call(n: int, t: dt.datetime) -> Event:
    return {
        "kind": "calls", "start": t, "caller": 4420000000000 + n, "callee": PHONE,
        "duration_s": 600, "imei": None, "cell": None,
    }  # fmt: skip


# (event maker, the signal its first sighting fires, the history it is kept in)
KINDS: dict[str, tuple[Callable[[int, dt.datetime], Event], str, str]] = {
    "payee": (payment, "new_payee_transfer", "payees"),
    "app": (install, "indicator_app", "apps"),
    "pair": (long_call, "suspicious_call", "pairs"),
}


def make_scorer(history_days: int = HORIZON, state: StreamState | None = None) -> StreamScorer:
    lookups = Lookups(
        apps={APP: Entry(APP, 1.0, "loan", "test", None, None)},
        resident_of_phone={PHONE + n: f"R{n}" for n in range(1000)},
    )
    scorer = StreamScorer(load_rules(), lookups, KeywordScorer(), state, history_days=history_days)
    scorer.trace = []
    return scorer


def fired(scorer: StreamScorer, events: list[Event], kind: str) -> int:
    """How many ``kind`` signals feeding ``events`` gives."""
    assert scorer.trace is not None
    scorer.trace.clear()
    scorer.feed(events)
    return sum(1 for _, s in scorer.trace if s.kind == kind)


def history(scorer: StreamScorer, name: str) -> dict[Any, Any]:
    held: dict[Any, Any] = getattr(scorer.state.seen, name)
    return held


@pytest.mark.parametrize("name", sorted(KINDS))
def test_stream_history_repeat_within_horizon_is_not_first_after_it_is_first_again(
    name: str,
) -> None:
    make, kind, held = KINDS[name]
    scorer = make_scorer()
    assert fired(scorer, [make(1, at(0))], kind) == 1
    assert fired(scorer, [make(1, at(2))], kind) == 0  # seen again: last sighting day 2
    assert fired(scorer, [make(1, at(2 + HORIZON, 600))], kind) == 0  # horizon days later
    last = 2 + HORIZON  # the key's last sighting is now day 5
    scorer.feed([make(2, at(last + HORIZON + 1))])  # another key moves the watermark on
    assert len(history(scorer, held)) == 1  # key 1 is forgotten, key 2 is held
    assert fired(scorer, [make(1, at(last + HORIZON + 1, 1))], kind) == 1


@pytest.mark.parametrize("name", sorted(KINDS))
def test_stream_history_stays_bounded_when_many_keys_age_out(name: str) -> None:
    make, _, held = KINDS[name]
    scorer = make_scorer()
    per_day, days = 50, 30
    for day in range(days):
        scorer.feed(
            [make(n, at(day, n % per_day)) for n in range(day * per_day, (day + 1) * per_day)]
        )
    # the days of the horizon and today: every older key is gone
    assert len(history(scorer, held)) == (HORIZON + 1) * per_day
    assert scorer.state.seen.size() == (HORIZON + 1) * per_day
    assert scorer.state.seen.watermark == at(days - 1, per_day - 1)


def test_stream_history_without_pruning_would_keep_every_key() -> None:
    """The control of the test above: a horizon longer than the run keeps everything."""
    scorer = make_scorer(history_days=90)
    for day in range(30):
        scorer.feed([payment(n, at(day, n % 10)) for n in range(day * 10, (day + 1) * 10)])
    assert len(scorer.state.seen.payees) == 300


def test_stream_history_late_event_does_not_move_the_watermark_back() -> None:
    scorer = make_scorer()
    scorer.feed([payment(1, at(10))])
    scorer.feed([payment(2, at(1))])  # a partner resending an old event
    assert scorer.state.seen.watermark == at(10)
    payees = scorer.state.seen.payees
    assert len(payees) == 2 and ("A1", "B") in payees and ("A2", "B") in payees


def test_stream_history_snapshot_round_trips_and_scoring_goes_on_the_same() -> None:
    scorer = make_scorer()
    for day in range(6):
        scorer.feed([payment(day, at(day)), install(day, at(day, 1)), long_call(day, at(day, 2))])
    restored = load_state(dump_state(scorer.state))
    assert restored == scorer.state
    assert restored.seen.watermark == at(5, 2)
    again = make_scorer(state=restored)
    tail = [payment(2, at(6)), payment(5, at(6, 1)), install(9, at(6, 2))]
    assert [fired(s, tail, "new_payee_transfer") for s in (scorer, again)] == [1, 1]
    assert again.state == scorer.state


def legacy_state() -> StreamState:
    """A scoring state as snapshots held it before the horizon: sets and no days."""
    seen = SeenState.__new__(SeenState)
    seen.__dict__.update(
        pairs={(4420000000001, PHONE): at(0)},
        visit_hour=at(4).replace(minute=0),
        visits=set(),
        visit_firsts={},
        apps={(PHONE, APP)},
        payees={("A1", "B")},
        scam_hosts={"scam.example"},
        links={(PHONE, "scam.example"): at(1)},
    )
    return StreamState(seen=seen, events=7)


def test_stream_history_old_snapshot_loads_and_its_keys_age_from_its_latest_time() -> None:
    state = load_state(dump_state(legacy_state()))
    seen = state.seen
    assert seen.watermark == at(4).replace(minute=0)
    assert len(seen.payees) == 1 and seen.payees.last_seen(("A1", "B")) == at(4).date()
    assert seen.apps == {(PHONE, APP): at(4).date()} and set(seen.pair_days) == set(seen.pairs)
    assert seen.is_scam_host("scam.example") and seen.link_sent(PHONE, "scam.example") == at(1)
    scorer = make_scorer(state=state)
    assert fired(scorer, [payment(1, at(4 + HORIZON))], "new_payee_transfer") == 0
    scorer.feed([payment(9, at(8 + HORIZON))])
    assert seen.size() == 1 and ("A9", "B") in seen.payees


def test_stream_history_seen_state_pickles_with_its_days() -> None:
    """A state pickled today loads as it was (no upgrade: it has the new fields)."""
    seen = SeenState()
    seen.observe(at(0))
    assert seen.first_payee("A", "B") and not seen.first_payee("A", "B")
    assert pickle.loads(pickle.dumps(seen)) == seen


def test_settings_stream_history_days_default_and_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert Settings(_env_file=None).stream_history_days == 90
    monkeypatch.setenv("FANZHA_STREAM_HISTORY_DAYS", "30")
    assert Settings(_env_file=None).stream_history_days == 30
