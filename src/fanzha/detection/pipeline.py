"""Run detection over the event store: texts judged, plan executed, warnings assembled."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from fanzha.core.warning_record import LevelStep, Reason, parse_history, parse_reasons
from fanzha.detection.engines import TEXT_VERDICT_COLUMNS, DuckDBEngine, Engine
from fanzha.detection.plan import build_plan
from fanzha.detection.rules.model import Rules
from fanzha.detection.text.base import TextScorer
from fanzha.errors import DetectionError
from fanzha.store.event_store import EventStore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DetectedWarning:
    """One warned episode of one resident, as detection sees it.

    ``level_history`` and ``reasons`` are the typed record (dicts of the same fields are still
    accepted and validated on construction).
    """

    resident_id: str
    episode_start: dt.datetime
    warned_at: dt.datetime
    last_signal_at: dt.datetime
    level: int
    level_history: list[LevelStep]
    fraud_type: str
    score: float
    n_signals: int
    phone: int | None
    community: str | None
    station: str | None
    reasons: list[Reason] = field(default_factory=list)

    def __post_init__(self) -> None:
        object.__setattr__(self, "level_history", parse_history(self.level_history))
        object.__setattr__(self, "reasons", parse_reasons(self.reasons))


@dataclass
class DetectionResult:
    """Warnings plus what it took to find them."""

    warnings: list[DetectedWarning]
    rules_version: str
    engine: str
    text_scorer: str
    texts_judged: int
    seconds: dict[str, float]
    episode_gap: dt.timedelta


def judge_texts(store: EventStore, scorer: TextScorer, threads: int = 2) -> pa.Table:
    """Verdicts for every distinct SMS text and lead narrative in the store."""
    con = store.connect(threads=threads)
    rows = con.execute(
        "SELECT DISTINCT text FROM (SELECT text FROM sms UNION ALL SELECT narrative FROM leads) "
        "t WHERE text IS NOT NULL AND length(text) > 0 ORDER BY text"
    ).fetchall()
    con.close()
    texts = [r[0] for r in rows]
    verdicts = scorer.judge(texts)
    if len(verdicts) != len(texts):
        raise DetectionError("text scorer returned the wrong number of verdicts")
    schema = pa.schema(
        [(n, pa.string() if t == "VARCHAR" else pa.float64()) for n, t in TEXT_VERDICT_COLUMNS]
    )
    return pa.table(
        [texts, [v.label for v in verdicts], [float(v.fraud_score) for v in verdicts]],
        schema=schema,
    )


def run_detection(
    store: EventStore,
    rules: Rules,
    scorer: TextScorer,
    engine: Engine | None = None,
    threads: int = 2,
) -> DetectionResult:
    """Detect warnings over everything in the store with the given rules and text scorer."""
    seconds: dict[str, float] = {}
    start = time.perf_counter()
    verdicts = judge_texts(store, scorer, threads)
    seconds["texts"] = time.perf_counter() - start
    runner = engine or DuckDBEngine(store, threads=threads)
    start = time.perf_counter()
    warnings, reasons = runner.run(build_plan(rules), verdicts)
    seconds["plan"] = time.perf_counter() - start
    log.info("detection found %d warnings in %.1f s", warnings.num_rows, seconds["plan"])
    return DetectionResult(
        assemble(warnings, reasons),
        rules.full_version,
        runner.name,
        scorer.version,
        verdicts.num_rows,
        seconds,
        dt.timedelta(hours=rules.scoring.episode_gap_hours),
    )


def assemble(warnings: pa.Table, reasons: pa.Table) -> list[DetectedWarning]:
    """Join each warned episode with its reasons."""
    by_episode: dict[tuple[str, int], list[Reason]] = defaultdict(list)
    for r in reasons.to_pylist():
        by_episode[(r["resident_id"], int(r["episode"]))].append(reason_from_row(r))
    return [
        _warning(w, by_episode[(w["resident_id"], int(w["episode"]))]) for w in warnings.to_pylist()
    ]


def reason_from_row(r: dict[str, Any]) -> Reason:
    """A plan's reason row (``t``, ``kind``, ``score``, ``level``…) as a typed :class:`Reason`."""
    return Reason(
        time=r["t"],
        kind=r["kind"],
        weight=round(r["weight"], 4),
        level_floor=int(r["level_floor"] or 0),
        fraud_type=r["fraud_type"],
        counterpart=r["counterpart"],
        detail=r["detail"],
        source=r["source"],
        score_after=round(r["score"], 4),
        level_after=int(r["level"]),
    )


def _warning(w: dict[str, Any], reasons: list[Reason]) -> DetectedWarning:
    history = [
        LevelStep(level=lvl, at=w[f"level{lvl}_at"])
        for lvl in (1, 2, 3, 4)
        if w[f"level{lvl}_at"] is not None
    ]
    return DetectedWarning(
        resident_id=w["resident_id"],
        episode_start=w["episode_start"],
        warned_at=w["warned_at"],
        last_signal_at=w["last_signal_at"],
        level=int(w["level"]),
        level_history=history,
        fraud_type=w["fraud_type"],
        score=round(float(w["score"]), 4),
        n_signals=int(w["n_signals"]),
        phone=w["phone"],
        community=w["community"],
        station=w["station"],
        reasons=reasons,
    )
