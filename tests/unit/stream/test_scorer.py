"""Streamed scoring must give the batch's warnings, signal for signal."""

from __future__ import annotations

import itertools
from collections import Counter
from typing import Any

import pytest

from fanzha.detection.engines import DuckDBEngine
from fanzha.detection.keyword_scorer import KeywordScorer
from fanzha.detection.pipeline import DetectedWarning, judge_texts, run_detection
from fanzha.detection.plan import build_plan
from fanzha.detection.rules import load_rules
from fanzha.store.event_store import EventStore
from fanzha.stream.lookups import build_lookups
from fanzha.stream.scorer import StreamScorer
from fanzha.stream.source import batches_by_second, store_events


def comparable(warnings: list[DetectedWarning]) -> list[tuple[Any, ...]]:
    return sorted(
        (
            w.resident_id,
            w.episode_start,
            w.warned_at,
            w.last_signal_at,
            w.level,
            tuple((h.level, h.at) for h in w.level_history),
            w.fraud_type,
            round(w.score, 3),
            w.n_signals,
            w.phone,
            w.station,
            tuple((r.time, r.kind, round(r.weight, 4), r.detail) for r in w.reasons),
        )
        for w in warnings
    )


def stream_all(scorer: StreamScorer, store: EventStore, size: int) -> list[DetectedWarning]:
    """Feed the store in micro-batches of ``size`` events; the last state of each warning."""
    latest: dict[tuple[str, Any], DetectedWarning] = {}
    events = store_events(store)
    while batch := list(itertools.islice(events, size)):
        for w in scorer.feed(batch):
            latest[(w.resident_id, w.episode_start)] = w
    return list(latest.values())


@pytest.fixture(scope="module")
def batch_warnings(city_store: EventStore) -> list[DetectedWarning]:
    return run_detection(city_store, load_rules(), KeywordScorer()).warnings


@pytest.mark.parametrize("size", [1, 997])
def test_stream_scorer_equals_batch_warnings(
    city_store: EventStore, batch_warnings: list[DetectedWarning], size: int
) -> None:
    rules = load_rules()
    scorer = StreamScorer(rules, build_lookups(city_store, rules), KeywordScorer())
    streamed = stream_all(scorer, city_store, size)
    assert len(batch_warnings) > 50
    assert {w.level for w in batch_warnings} >= {2, 3, 4}
    assert comparable(streamed) == comparable(batch_warnings)


def test_stream_signals_equal_batch_signals_per_kind(city_store: EventStore) -> None:
    rules = load_rules()
    engine = DuckDBEngine(city_store)
    engine.run(build_plan(rules), judge_texts(city_store, KeywordScorer()))
    columns = "resident_id, t, kind, round(weight, 6), level_floor, fraud_type, counterpart, "
    columns += "detail, source, indicator"
    rows = engine.con.execute(f"SELECT {columns} FROM signals").fetchall()
    batch = Counter(tuple(r) for r in rows)
    scorer = StreamScorer(rules, build_lookups(city_store, rules), KeywordScorer())
    scorer.trace = []
    for micro in batches_by_second(store_events(city_store), 500):
        scorer.feed(micro)
    streamed = Counter(
        (r, s.t, s.kind, round(s.weight, 6), s.level_floor, s.fraud_type, s.counterpart,
         s.detail, s.source, s.indicator)
        for r, s in scorer.trace
    )  # fmt: skip
    kinds = {k[2] for k in batch}
    assert len(kinds) >= 8
    for kind in sorted(kinds | {k[2] for k in streamed}):
        mine = Counter({k: n for k, n in streamed.items() if k[2] == kind})
        theirs = Counter({k: n for k, n in batch.items() if k[2] == kind})
        assert mine == theirs, kind
