"""Lookups refreshed while the consumer runs: new blacklist entries apply, failures keep the
old ones, 0 never rebuilds, and a crash across a swap still re-scores exactly once."""

from __future__ import annotations

import logging
import shutil
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fanzha.detection.keyword_scorer import KeywordScorer
from fanzha.detection.pipeline import DetectedWarning
from fanzha.detection.rules import load_rules
from fanzha.ingest.pipeline import ingest_files
from fanzha.settings import Settings
from fanzha.store.database import make_engine, session_factory
from fanzha.store.event_store import EventStore
from fanzha.stream.consumer import StreamConsumer
from fanzha.stream.events import Event
from fanzha.stream.lookups import Lookups, build_lookups, lookups_changes, lookups_digest
from fanzha.stream.refresh import LookupsRefresher
from fanzha.stream.runtime import keyed, make_consumer, make_queue, publish
from fanzha.stream.scorer import StreamScorer
from fanzha.stream.source import store_events
from fanzha.workflow.stream.models import StreamCheckpoint
from tests.unit.stream.test_exactly_once import comparable, settings_for, stored

HOUR = 3600


@pytest.fixture
def store(city_store: EventStore, tmp_path: Path) -> EventStore:
    """A copy of the city's store of the test's own (indicators are added to it)."""
    shutil.copytree(city_store.root, tmp_path / "data")
    return EventStore(tmp_path / "data")


def add_indicators(store: EventStore, phones: list[int], folder: Path, tag: str) -> None:
    """Blacklist ``phones`` as an upstream feed would (``fanzha ingest indicators``)."""
    path = folder / f"indicators-{tag}.csv"
    rows = [f"phone,+{p},task_rebate,feed-{tag},0.9" for p in phones]
    path.write_text("kind,value,fraud_type,source,confidence\n" + "\n".join(rows) + "\n")
    ingest_files("indicators", [path], store, pseudonym_key="test-key")


def refreshing(settings: Settings, minutes: float) -> Settings:
    return settings.model_copy(update={"stream_refresh_minutes": minutes})


def resident_phone(lookups: Lookups) -> int:
    return min(lookups.resident_of_phone)


def call(store: EventStore, caller: int, callee: int, n: int) -> Event:
    """A long call in the city's last hour (a real call's shape, other numbers)."""
    template = next(e for e in store_events(store) if e["kind"] == "calls")
    event = dict(template)
    event.update(caller=caller, callee=callee, duration_s=900, source_id=f"test:call:{n}")
    event["start"] = template["start"].replace(hour=23, minute=n)
    return event


def send(consumer: StreamConsumer, event: Event) -> None:
    publish(consumer.queue, iter([event]), rate=None)
    while consumer.step():
        pass


def listed_calls(consumer: StreamConsumer, number: int) -> list[Any]:
    trace = consumer.scorer.trace or []
    return [s for _, s in trace if s.kind == "indicator_call" and s.counterpart == number]


NEW_NUMBER = 8617099990001  # never in the simulated city


def test_a_number_blacklisted_while_running_is_matched_after_the_refresh_only(
    store: EventStore, redis_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    base = settings_for(store, tmp_path, redis_url, f"refresh:{uuid.uuid4().hex}")
    consumer = make_consumer(refreshing(base, 60))  # due in an hour: the test starts it
    assert consumer.refresher is not None
    consumer.scorer.trace = []
    resident = resident_phone(consumer.scorer.lookups)
    send(consumer, call(store, NEW_NUMBER, resident, 1))
    assert listed_calls(consumer, NEW_NUMBER) == []

    add_indicators(store, [NEW_NUMBER], tmp_path, "a")  # 10:00, the feed lists the number
    send(consumer, call(store, NEW_NUMBER, resident, 2))
    assert listed_calls(consumer, NEW_NUMBER) == []  # not before the refresh
    before = consumer.lookups_version

    caplog.set_level(logging.INFO, logger="fanzha.stream.consumer")
    assert consumer.refresher.start(consumer.scorer.lookups, consumer.lookups_version)
    consumer.refresher.wait(120)
    send(consumer, call(store, NEW_NUMBER, resident, 3))  # swapped in before this batch
    matched = listed_calls(consumer, NEW_NUMBER)
    assert [s.t.minute for s in matched] == [18]  # the third call (23:03, 15 min): at its end
    assert consumer.scorer.deriver.lookups is consumer.scorer.lookups
    assert consumer.lookups_version != before
    assert "1 entries changed (phones 1)" in caplog.text
    assert str(NEW_NUMBER) not in caplog.text  # counts only, no number

    # the swap's commit snapshotted at its offset and recorded the lookups
    with session_factory(make_engine(base.effective_database_url))() as session:
        row = session.get(StreamCheckpoint, "default")
        assert row is not None
        assert row.snapshot_offset == row.offset == consumer.offset
        assert row.lookups_version == consumer.lookups_version


def test_a_failing_rebuild_keeps_the_old_lookups(
    store: EventStore, redis_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    base = settings_for(store, tmp_path, redis_url, f"refresh:{uuid.uuid4().hex}")
    consumer = make_consumer(refreshing(base, 60))
    assert consumer.refresher is not None
    consumer.scorer.trace = []
    old, version = consumer.scorer.lookups, consumer.lookups_version
    listed = next(iter(old.phones))  # a number the city's blacklist holds
    resident = resident_phone(old)

    add_indicators(store, [NEW_NUMBER], tmp_path, "a")
    calls = [
        call(store, listed, resident, 1),
        *(call(store, NEW_NUMBER, resident, n) for n in (2, 3)),
    ]
    table = store.table_path("indicators")
    whole = table.read_bytes()
    table.write_bytes(whole[: len(whole) // 2])  # a half-written store
    caplog.set_level(logging.ERROR, logger="fanzha.stream.refresh")
    consumer.refresher.start(old, version)
    consumer.refresher.wait(120)
    send(consumer, calls[0])
    send(consumer, calls[1])
    assert consumer.refresher.failures == 1
    assert "the rebuild failed; the old lookups stay in use" in caplog.text
    assert consumer.scorer.lookups is old and consumer.lookups_version == version
    assert len(listed_calls(consumer, listed)) == 1  # still scoring, with the old entries
    assert listed_calls(consumer, NEW_NUMBER) == []

    table.write_bytes(whole)  # repaired: the next rebuild swaps
    consumer.refresher.start(old, version)
    consumer.refresher.wait(120)
    send(consumer, calls[2])
    assert len(listed_calls(consumer, NEW_NUMBER)) == 1


def test_refresh_zero_never_rebuilds(
    store: EventStore, redis_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import fanzha.stream.runtime as runtime

    built = []

    def counting(*args: Any, **kwargs: Any) -> Lookups:
        built.append(1)
        return build_lookups(*args, **kwargs)

    monkeypatch.setattr(runtime, "build_lookups", counting)
    base = settings_for(store, tmp_path, redis_url, f"refresh:{uuid.uuid4().hex}")
    consumer = make_consumer(refreshing(base, 0))
    assert consumer.refresher is None and built == [1]  # once, at start
    consumer.scorer.trace = []
    add_indicators(store, [NEW_NUMBER], tmp_path, "a")
    resident = resident_phone(consumer.scorer.lookups)
    for n in range(3):
        send(consumer, call(store, NEW_NUMBER, resident, n))
        time.sleep(0.05)
    assert built == [1] and listed_calls(consumer, NEW_NUMBER) == []


def test_the_refresher_builds_when_due_in_the_background() -> None:
    release = threading.Event()
    built: list[Lookups] = []

    def build() -> Lookups:
        release.wait(10)
        built.append(Lookups(doubtful={("indicator_call", "x")}))
        return built[-1]

    current = Lookups()
    refresher = LookupsRefresher(build, every_seconds=0.2)
    assert refresher.poll(current, lookups_digest(current)) is None and refresher.builds == 0
    time.sleep(0.25)
    assert refresher.poll(current, lookups_digest(current)) is None  # started, not blocking
    assert refresher.poll(current, lookups_digest(current)) is None  # still building
    release.set()
    refresher.wait(10)
    done = refresher.poll(current, lookups_digest(current))
    assert done is not None and done.lookups is built[0] and done.changed == {"doubtful": 1}
    assert refresher.poll(current, lookups_digest(current)) is None  # handed over once
    assert refresher.builds == 1  # and not again before a period has passed
    with pytest.raises(ValueError):
        LookupsRefresher(build, every_seconds=0)


def test_digest_ignores_row_order_and_changes_count_entries() -> None:
    a = Lookups(behaviour_numbers={1: ["a", None]}, resident_of_phone={1: "r", 2: "s"})
    b = Lookups(behaviour_numbers={1: [None, "a"]}, resident_of_phone={2: "s", 1: "r"})
    assert lookups_digest(a) == lookups_digest(b)
    c = Lookups(behaviour_numbers={1: ["a"]}, resident_of_phone={1: "r", 3: "t"})
    assert lookups_digest(c) != lookups_digest(a)
    assert lookups_changes(a, c) == {"behaviour_numbers": 1, "resident_of_phone": 2}


# --- a crash across a swap ---------------------------------------------------------------
def callers_in(events: list[Event], lookups: Lookups, min_s: int, limit: int) -> list[int]:
    """Unlisted, unregistered numbers making long calls to residents among ``events``."""
    found: dict[int, None] = {}
    for e in events:
        if e["kind"] != "calls" or (e["duration_s"] or 0) < min_s:
            continue
        caller = e["caller"]
        if caller in lookups.phones or caller in lookups.resident_of_phone:
            continue
        if e["callee"] in lookups.resident_of_phone:
            found[caller] = None
    return list(found)[:limit]


def fingerprint(scorer: StreamScorer) -> list[tuple[Any, ...]]:
    rows = []
    for resident, state in scorer.state.residents.items():
        ep = state.episode
        rows.append(
            (resident, state.episodes, len(state.fired))
            + (
                ()
                if ep is None
                else (ep.start, ep.level, tuple(sorted(ep.level_at.items())), ep.n_signals,
                      round(ep.score, 9))
            )
        )  # fmt: skip
    return sorted(rows)


def reference(events: list[Event], phases: list[tuple[int, Lookups]]) -> list[tuple[Any, ...]]:
    """One uninterrupted scorer swapping lookups at the given event counts."""
    scorer = StreamScorer(load_rules(), phases[0][1], KeywordScorer())
    last: dict[tuple[str, Any], DetectedWarning] = {}
    bounds = [n for n, _ in phases[1:]] + [len(events)]
    done = 0
    for (_, lookups), upto in zip(phases, bounds, strict=True):
        scorer.use_lookups(lookups)
        for w in scorer.feed(events[done:upto]):
            last[(w.resident_id, w.episode_start)] = w
        done = upto
    return comparable(list(last.values()))


def steps(consumer: StreamConsumer, n: int) -> Iterator[int]:
    for _ in range(n):
        yield consumer.step()


def test_a_crash_across_a_swap_re_scores_with_the_lookups_of_the_checkpoint(
    store: EventStore, redis_url: str, tmp_path: Path
) -> None:
    settings = refreshing(settings_for(store, tmp_path, redis_url, f"swap:{uuid.uuid4().hex}"), 60)
    settings = settings.model_copy(update={"stream_snapshot_seconds": 10_000.0})  # swaps only
    events = list(store_events(store))
    report = publish(make_queue(settings), keyed(iter(events)), rate=None)
    first = make_consumer(settings)
    l1 = first.scorer.lookups
    min_s = load_rules().signal("indicator_call").min_duration_s or 0
    sum(steps(first, 8))  # the first commit snapshots (it records the lookups), then none
    swap1 = first.scorer.state.events
    set1 = callers_in(events[4000:swap1], l1, min_s, 150)  # called since that snapshot
    add_indicators(store, set1, tmp_path, "1")
    assert first.refresher is not None and first.refresher.start(l1, first.lookups_version)
    first.refresher.wait(120)
    sum(steps(first, 8))  # swapped before the first of these: snapshot at ``swap1``
    l2 = first.scorer.lookups
    assert l2 is not l1 and lookups_changes(l1, l2)["phones"] == len(set1)
    crash = first.scorer.state.events
    set2 = callers_in(events[swap1:crash], l2, min_s, 150)
    add_indicators(store, set2, tmp_path, "2")  # the store moves on; no refresh before the crash
    assert set1 and set2 and 0 < swap1 < crash < report.sent
    state_at_crash = fingerprint(first.scorer)

    second = make_consumer(settings)  # "restart": the store now holds the third lookups
    l3 = build_lookups(store, load_rules())
    assert lookups_digest(l3) not in (lookups_digest(l1), lookups_digest(l2))
    assert second.lookups_version == lookups_digest(l2)  # caught up with the recorded ones
    assert fingerprint(second.scorer) == state_at_crash
    assert second.offset == first.offset
    while second.step():  # the first step swaps the store's lookups in
        pass
    assert second.lookups_version == lookups_digest(second.scorer.lookups) == lookups_digest(l3)

    warnings, raises, doubled, consumed = stored(settings)
    assert consumed == report.sent
    assert raises == sum(len(w.level_history) for w in warnings) and not doubled
    swapped = reference(events, [(0, l1), (swap1, l2), (crash, l3)])
    assert comparable(warnings) == swapped
    assert swapped != reference(events, [(0, l1)])  # the new entries changed warnings
