"""Experiments: simulate a city, ingest it, detect (shadow) and evaluate — end to end.

``run_city`` is the reproducible unit behind ``fanzha sweep`` and the benchmark: same
configuration, same figures. The sweep varies blacklist coverage (10 %, 30 %, 60 %) and adds a
run without upstream leads, to show what each source of knowledge is worth.
"""

from __future__ import annotations

import dataclasses
import logging
import shutil
from pathlib import Path
from typing import Any

from fanzha.detection.keyword_scorer import KeywordScorer
from fanzha.detection.pipeline import DetectionResult, run_detection
from fanzha.detection.rules.model import Rules
from fanzha.detection.text.base import TextScorer
from fanzha.evaluation.metrics import WarningFact, evaluate
from fanzha.evaluation.truth import load_truth
from fanzha.ingest import ingest_directory
from fanzha.sim import SimConfig, simulate
from fanzha.store.event_store import EventStore

log = logging.getLogger(__name__)

COVERAGES = (0.1, 0.3, 0.6)


def facts_of(result: DetectionResult) -> list[WarningFact]:
    """What evaluation needs from detected warnings."""
    return [
        WarningFact(w.resident_id, w.warned_at, w.last_signal_at, w.level, w.fraud_type)
        for w in result.warnings
    ]


def residents_by_phone(store: EventStore) -> dict[int, str]:
    """Phone key → resident id, from the store's registry."""
    con = store.connect()
    rows = con.execute("SELECT phone, min(resident_id) FROM residents GROUP BY phone").fetchall()
    con.close()
    return {int(phone): str(resident) for phone, resident in rows}


def discover_numbers(store: EventStore, seed: int = 0) -> int:
    """Train the fraud-number model on the store's blacklist and write the suspects it finds.

    This is what a centre runs daily (``fanzha numbers features/train/scan``): the listed
    numbers teach the model what fraud lines look like; the unlisted numbers that score above
    its threshold become ``suspected_numbers``, which detection turns into signals.
    """
    import pandas as pd

    from fanzha.detection.numbers import scan as number_scan
    from fanzha.detection.numbers import store_features
    from fanzha.detection.numbers.model import FraudNumberModel

    con = store.connect()
    features = store_features.number_features(con)
    known = set(store_features.known_fraud_numbers(con)["phone"].astype("int64").astype(str))
    labels = pd.Series(features.index.isin(list(known)).astype(int), index=features.index)
    model = FraudNumberModel(seed=seed).fit(features, labels, store_features.call_edges(con))
    result = number_scan.scan(con, model)
    con.close()
    number_scan.write_suspected(store, result.suspected)
    return len(result.suspected)


def run_city(
    config: SimConfig,
    work: Path,
    rules: Rules,
    *,
    pseudonym_key: str,
    scorer: TextScorer | None = None,
    with_leads: bool = True,
    number_model: bool = False,
) -> dict[str, Any]:
    """Simulate, ingest, detect and evaluate one city; returns its figures."""
    sim_dir, data_dir = work / "sim", work / "data"
    for folder in (sim_dir, data_dir):
        shutil.rmtree(folder, ignore_errors=True)
    simulate(config, sim_dir)
    store = EventStore(data_dir)
    ingest_directory(sim_dir, store, pseudonym_key=pseudonym_key)
    if not with_leads:
        store.table_path("leads").unlink(missing_ok=True)
    suspected = discover_numbers(store) if number_model else 0
    result = run_detection(store, rules, scorer or KeywordScorer())
    figures = evaluate(load_truth(sim_dir), facts_of(result), residents_by_phone(store))
    figures["detection_seconds"] = result.seconds
    figures["suspected_numbers"] = suspected
    return figures


def sweep(
    base: SimConfig,
    work: Path,
    rules: Rules,
    *,
    pseudonym_key: str,
    number_model: bool = True,
) -> dict[str, dict[str, Any]]:
    """Blacklist coverage 10/30/60 % with leads, and 30 % without upstream leads."""
    runs: dict[str, dict[str, Any]] = {}
    variants = [(f"coverage {c:.0%}", c, True) for c in COVERAGES]
    variants.append(("coverage 30%, no upstream leads", 0.3, False))
    for name, coverage, with_leads in variants:
        log.info("sweep run: %s", name)
        config = dataclasses.replace(base, blacklist_coverage=coverage)
        runs[name] = run_city(
            config,
            work / name.replace(" ", "_").replace(",", "").replace("%", "pct"),
            rules,
            pseudonym_key=pseudonym_key,
            with_leads=with_leads,
            number_model=number_model,
        )
    return runs
