"""The victim model trained on desk outcomes against the one trained on ground truth.

Run: ``python bench/bench_victim_desk.py`` (reuses the cities of ``bench/bench_tiers.py`` under
``var/bench_tiers``; simulates them the first time). Protocol (docs/tiers.md, "Training from
desk outcomes"): detection over the training city (seed 11, ×4), its warnings taken into a
fresh SQLite workflow store, and **simulated officers** record one outcome per warning from
ground truth with stated error rates (:class:`OfficerRates`). Then ``train_from_desk`` (what
``fanzha train-victim-model --from-desk`` runs) against ``train_on_city`` (``--truth``), both
tested on the default test cities: checkpoint ROC-AUC (ground-truth labels, every signal) and
the one-to-one engaged precision of the tier replay (re-allocated places, no simulated
contact outcomes) at capacity ``--capacity``. Prints a JSON summary, with the load average.

The officer simulation: :mod:`fanzha.sim.officers`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from fanzha.detection.victim.desk import train_from_desk
from fanzha.detection.victim.model import VictimRiskModel
from fanzha.detection.victim.service import score_checkpoints, snapshots_of
from fanzha.evaluation.engaged import engaged_labels
from fanzha.evaluation.experiment import residents_by_phone
from fanzha.evaluation.metrics import evaluate
from fanzha.evaluation.tier_backtest import replay, tiered_facts
from fanzha.evaluation.tier_outcomes import engaged_from_truth
from fanzha.evaluation.truth import load_truth
from fanzha.store.database import make_engine, session_factory, transaction, upgrade
from fanzha.store.event_store import EventStore
from fanzha.workflow.outcome.labels import desk_labels
from fanzha.workflow.tier.rules import TierRules, load_tier_rules
from fanzha.workflow.warning.from_detection import take_in

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.bench_tiers import START_AFTER, city, detect, train, with_realloc
from fanzha.sim.officers import OfficerRates, record_desk_outcomes


def desk_model(
    root: Path, out: Path, rates: OfficerRates, seed: int
) -> tuple[VictimRiskModel, dict[str, Any]]:
    """Detect, take the warnings into a fresh SQLite store (``out``), record outcomes, train."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.unlink(missing_ok=True)
    url = f"sqlite:///{out}"
    upgrade(url)
    result, con = detect(root)
    db = make_engine(url)
    with transaction(session_factory(db)) as session:
        take_in(
            session,
            result.warnings,
            rules_version=result.rules_version,
            engine=result.engine,
            episode_gap=result.episode_gap,
        )
        counts = record_desk_outcomes(
            session, load_truth(root / "sim"), residents_by_phone(EventStore(root / "data")), rates
        )
    with session_factory(db)() as session:
        labels = desk_labels(session)
    db.dispose()
    run = train_from_desk(con, labels, seed=seed)
    con.close()
    info = {"recorded": dict(counts), "source": run.source, **run.model.meta_.metrics}
    return run.model, info


def measure(
    root: Path, models: dict[str, VictimRiskModel], rules: TierRules, capacity: int
) -> dict[str, Any]:
    """Checkpoint ROC-AUC and one-to-one engaged precision of each model on one test city."""
    from sklearn.metrics import roc_auc_score

    result, con = detect(root)
    truth = load_truth(root / "sim")
    resident_of = residents_by_phone(EventStore(root / "data"))
    engaged = engaged_from_truth(result.warnings, truth, resident_of)
    out: dict[str, Any] = {"warnings": len(result.warnings)}
    for name, model in models.items():
        ck = score_checkpoints(
            con, snapshots_of(result.warnings), model, every_signal=True, explain=False
        )
        labels = engaged_labels(ck, truth, resident_of)
        tracks = replay(
            result.warnings, ck, rules, capacity, engaged=engaged, start_after=START_AFTER
        )
        tiers = evaluate(truth, tiered_facts(result.warnings, tracks), resident_of)["tiers"]
        out[name] = {
            "checkpoint_auc": round(float(roc_auc_score(labels, ck["victim_score"])), 4),
            "one_to_one": tiers["by_tier"]["one_to_one"]["warnings"],
            "one_to_one_engaged_precision": tiers["desk_precision_engaged"],
            "desk_per_day_per_100k": tiers["desk_per_day_per_100k"],
        }
    con.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--work", type=Path, default=Path("var/bench_tiers"))
    parser.add_argument("--train-seed", type=int, default=11)
    parser.add_argument("--train-multiplier", type=float, default=4.0)
    parser.add_argument("--test-seeds", type=int, nargs="+", default=[7, 21, 31])
    parser.add_argument("--capacity", type=int, default=3)
    parser.add_argument(
        "--desk-db", type=Path, default=Path("var/bench_victim_desk/desk_outcomes.db")
    )
    parser.add_argument("--unreachable", type=float, default=0.30)
    parser.add_argument("--engaged-recorded", type=float, default=0.90)
    parser.add_argument("--cold-recorded-engaged", type=float, default=0.05)
    args = parser.parse_args()
    rates = OfficerRates(args.unreachable, args.engaged_recorded, args.cold_recorded_engaged)
    started = time.perf_counter()
    train_root = city(args.work, 100_000, 7, args.train_seed, args.train_multiplier, True)
    truth_model, truth_info = train(train_root, seed=0)
    desk, desk_info = desk_model(train_root, args.desk_db, rates, seed=0)
    report: dict[str, Any] = {
        "rates": {k: str(v) for k, v in asdict(rates).items()},
        "train_truth": {k: truth_info[k] for k in ("checkpoints", "engaged")},
        "train_desk": desk_info,
        "truth_oof_auc": truth_model.meta_.metrics["roc_auc"],
    }
    models = {"truth": truth_model, "desk": desk}
    rules = with_realloc(load_tier_rules(None), True)  # read once: the file may change meanwhile
    report["tier_rules"] = rules.full_version
    for seed in args.test_seeds:
        root = city(args.work, 100_000, 7, seed, 1.0, True)
        report[f"seed_{seed}"] = measure(root, models, rules, args.capacity)
    report["seconds"] = round(time.perf_counter() - started, 1)
    report["loadavg"] = os.getloadavg()
    print(json.dumps(report, indent=2, ensure_ascii=False, default=str))


if __name__ == "__main__":
    main()
