"""Victim model and tiers on simulated cities: train on one city, test on others.

Run: ``python bench/bench_tiers.py --work var/bench_tiers`` (simulates and ingests the cities
the first time; later runs reuse them). Protocol (docs/tiers.md): the victim model is trained
on every checkpoint of one city (``--train-seed``, ``--train-multiplier`` for enough engaged
residents) and tested on default cities of other seeds; tiers are replayed signal by signal
for each desk capacity of ``--capacities``. ``--number-model`` runs the fraud-number model on
each city before detection (cities cached apart), ``--text-model`` and ``--rules`` replace
the keyword scorer and the packaged rules. Each capacity is replayed three times: places
first-come (``one_to_one.reallocate`` off), re-allocated (on), and re-allocated with simulated
outcomes of the SMS and robot calls (``--outcome-seed``; docs/tiers.md), which escalate as live:
once with the escalation policy before rules ``2026.12-3`` (``outcomes_before``: every
unconfirmed call to an officer at once) and once per ``--gates`` value with the packaged
policy (a repeated call, then an officer only at or above that victim score; ``outcomes_gate_X``).
``--start-after`` is when an officer is taken to start on a listed place (default 30 minutes).
Prints a JSON summary, with the load average.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import time
import tomllib
from pathlib import Path
from typing import Any

from fanzha.detection.keyword_scorer import KeywordScorer
from fanzha.detection.pipeline import DetectionResult, run_detection
from fanzha.detection.rules import load_rules
from fanzha.detection.service import load_text_scorer
from fanzha.detection.text.base import TextScorer
from fanzha.detection.victim.model import VictimRiskModel
from fanzha.detection.victim.service import score_checkpoints, snapshots_of
from fanzha.evaluation.engaged import engaged_labels
from fanzha.evaluation.experiment import discover_numbers, residents_by_phone
from fanzha.evaluation.metrics import evaluate
from fanzha.evaluation.tier_backtest import replay, replay_counts, tiered_facts
from fanzha.evaluation.tier_outcomes import ContactSim, engaged_from_truth
from fanzha.evaluation.truth import load_truth
from fanzha.evaluation.victim_training import train_on_city
from fanzha.ingest import ingest_directory
from fanzha.settings import Settings
from fanzha.sim import SimConfig, simulate
from fanzha.store.event_store import EventStore
from fanzha.workflow.tier.rules import (
    EscalationRule,
    TierRules,
    escalate_at_once,
    load_tier_rules,
)

#: What detection runs with; set once by ``main`` from the command line.
SCORER: TextScorer = KeywordScorer()
RULES_FILE: Path | None = None  # None: the packaged rules
TRAIN_RULES_FILE: Path | None = None  # rules of the training city; None: RULES_FILE
TIER_RULES_FILE: Path | None = None  # None: the packaged tier rules
OUTCOME_SEED = 0
START_AFTER = dt.timedelta(minutes=30)  # an officer starts on a listed place (it is locked)
GATES: list[float] = []  # officer gates (escalation.min_victim_score_to_officer); [] packaged
POLICY: dict[str, Any] = {}  # other [escalation] settings of the gate runs (--escalation)
SUMMARY = (
    "desk_per_day_per_100k",
    "desk_listed_per_day_per_100k",
    "desk_escalated_per_day_per_100k",
    "desk_precision_engaged",
    "held_below_gate",
    "held_engaged",
    "calls_repeated",
    "calls_repeated_engaged",
    "would_be_victims",
    "victims_reached_before_loss",
    "reached_before_loss",
    "victims_reached_before_loss_with_outcomes",
    "reached_before_loss_with_outcomes",
    "high_engaged_precision",
    "high_engaged_precision_with_victim_model",
)


def city(
    work: Path, residents: int, days: int, seed: int, multiplier: float, numbers: bool
) -> Path:
    """Simulate and ingest a city once; its folder (``sim`` and ``data`` inside).

    With ``numbers`` the fraud-number model is trained on the city's blacklist and its
    suspects written to the store (the centre's daily ``fanzha numbers`` run), in a folder of
    its own so that runs with and without it do not share a store.
    """
    suffix = "_numbers" if numbers else ""
    root = work / f"s{seed}x{multiplier:g}_{residents}_{days}{suffix}"
    if not (root / "data" / "tables").exists():
        config = SimConfig(residents=residents, days=days, seed=seed, fraud_multiplier=multiplier)
        simulate(config, root / "sim")
        store = EventStore(root / "data")
        ingest_directory(root / "sim", store, pseudonym_key=Settings().pseudonym_key)
        if numbers:
            discover_numbers(store)
    return root


def detect(root: Path) -> tuple[DetectionResult, Any]:
    store = EventStore(root / "data")
    result = run_detection(store, load_rules(RULES_FILE), SCORER)
    con = store.connect()
    return result, con


def train(root: Path, seed: int) -> tuple[VictimRiskModel, dict[str, Any]]:
    run = train_on_city(
        EventStore(root / "data"),
        root / "sim",
        load_rules(TRAIN_RULES_FILE or RULES_FILE),
        SCORER,
        seed=seed,
    )
    info = {
        "checkpoints": run.checkpoints,
        "engaged": run.engaged,
        "feature_seconds": run.feature_seconds,
    }
    return run.model, info


def test(root: Path, model: VictimRiskModel, capacities: list[int]) -> dict[str, Any]:
    result, con = detect(root)
    start = time.perf_counter()
    ck = score_checkpoints(con, snapshots_of(result.warnings), model, every_signal=True)
    seconds = time.perf_counter() - start
    con.close()
    truth = load_truth(root / "sim")
    resident_of = residents_by_phone(EventStore(root / "data"))
    rules = load_tier_rules(TIER_RULES_FILE)
    out: dict[str, Any] = {
        "warnings": len(result.warnings),
        "checkpoints": len(ck),
        "score_seconds": round(seconds, 1),
    }
    from sklearn.metrics import roc_auc_score

    labels = engaged_labels(ck, truth, resident_of)
    out["checkpoint_auc"] = round(float(roc_auc_score(labels, ck["victim_score"])), 4)
    engaged = engaged_from_truth(result.warnings, truth, resident_of)
    for capacity in capacities:
        runs: dict[str, Any] = {}
        for name, tiered, sim in variants(rules):
            tracks = replay(
                result.warnings,
                ck,
                tiered,
                capacity,
                sim=sim,
                engaged=engaged,
                start_after=START_AFTER,
            )
            figures = evaluate(truth, tiered_facts(result.warnings, tracks), resident_of)
            tiers = figures["tiers"]
            runs[name] = {
                "recall": figures["overall"]["recall"],
                **{k: tiers[k] for k in SUMMARY if k in tiers},
                "one_to_one": tiers["by_tier"]["one_to_one"]["warnings"],
                **replay_counts(tracks),
            }
        out[f"capacity_{capacity}"] = runs
    return out


def variants(rules: TierRules) -> list[tuple[str, TierRules, ContactSim | None]]:
    """The replays of one capacity: places first-come, re-allocated, and with simulated
    outcomes under the escalation policy before 2026.12-3 and under each gate of ``GATES``."""
    sim = ContactSim(seed=OUTCOME_SEED)
    out: list[tuple[str, TierRules, ContactSim | None]] = [
        ("first_come", with_realloc(rules, False), None),
        ("reallocate", with_realloc(rules, True), None),
        ("outcomes_before", escalate_at_once(with_realloc(rules, True)), sim),
    ]
    for gate in GATES:
        update = {**POLICY, "min_victim_score_to_officer": gate}
        policy = EscalationRule(**{**rules.escalation.model_dump(), **update})
        out.append((f"outcomes_gate_{gate:g}", with_escalation(rules, policy), sim))
    return out


def policy_setting(text: str) -> tuple[str, Any]:
    """``key=value`` of ``--escalation`` (the value in TOML: ``true``, ``20``, ``["a"]``)."""
    key, _, value = text.partition("=")
    return key.strip(), tomllib.loads(f"v = {value}")["v"]


def with_escalation(rules: TierRules, escalation: EscalationRule) -> TierRules:
    """The rules with another escalation policy."""
    return rules.model_copy(update={"escalation": escalation})


def with_realloc(rules: TierRules, on: bool) -> TierRules:
    """The rules with ``one_to_one.reallocate`` set."""
    return rules.model_copy(
        update={"one_to_one": rules.one_to_one.model_copy(update={"reallocate": on})}
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--work", type=Path, default=Path("var/bench_tiers"))
    parser.add_argument("--residents", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--train-residents", type=int, default=100_000)
    parser.add_argument("--train-seed", type=int, default=11)
    parser.add_argument("--train-multiplier", type=float, default=4.0)
    parser.add_argument("--test-seeds", type=int, nargs="+", default=[7, 21, 31])
    parser.add_argument("--capacities", type=int, nargs="+", default=[1, 2, 3, 5, 10])
    parser.add_argument("--model-out", type=Path, default=None)
    parser.add_argument(
        "--number-model", action="store_true", help="discover suspected numbers in each city"
    )
    parser.add_argument(
        "--text-model", type=Path, default=None, help="trained text model; default keywords"
    )
    parser.add_argument("--rules", type=Path, default=None, help="rule file; default packaged")
    parser.add_argument(
        "--train-rules",
        type=Path,
        default=None,
        help="rule file of the training city only (the victim model); default --rules",
    )
    parser.add_argument(
        "--tier-rules", type=Path, default=None, help="tier rule file; default packaged"
    )
    parser.add_argument("--outcome-seed", type=int, default=0, help="simulated contact outcomes")
    parser.add_argument(
        "--gates",
        type=float,
        nargs="+",
        default=None,
        help="victim-score gates for escalation to an officer to replay; default the packaged",
    )
    parser.add_argument(
        "--escalation",
        nargs="*",
        default=[],
        metavar="KEY=VALUE",
        help="[escalation] settings of the gate runs, TOML values (retry_after_minutes=20)",
    )
    parser.add_argument(
        "--start-after",
        type=int,
        default=30,
        help="minutes after listing at which an officer starts (the place can no longer move)",
    )
    args = parser.parse_args()
    global SCORER, RULES_FILE, TIER_RULES_FILE, OUTCOME_SEED, START_AFTER, GATES, POLICY
    global TRAIN_RULES_FILE
    TRAIN_RULES_FILE = args.train_rules
    TIER_RULES_FILE = args.tier_rules
    GATES = list(
        args.gates or [load_tier_rules(TIER_RULES_FILE).escalation.min_victim_score_to_officer]
    )
    POLICY = dict(policy_setting(text) for text in args.escalation)
    START_AFTER = dt.timedelta(minutes=args.start_after)
    SCORER = load_text_scorer(args.text_model)
    RULES_FILE = args.rules
    OUTCOME_SEED = args.outcome_seed
    train_root = city(
        args.work,
        args.train_residents,
        args.days,
        args.train_seed,
        args.train_multiplier,
        args.number_model,
    )
    model, info = train(train_root, seed=0)
    if args.model_out:
        model.save(args.model_out)
        model.write_card(args.model_out)
    report: dict[str, Any] = {
        "train": {**info, **model.meta_.metrics},
        "text_scorer": SCORER.version,
        "number_model": args.number_model,
        "rules": load_rules(RULES_FILE).full_version,
        "train_rules": load_rules(TRAIN_RULES_FILE or RULES_FILE).full_version,
        "tier_rules": load_tier_rules(TIER_RULES_FILE).full_version,
        "outcome_seed": OUTCOME_SEED,
        "gates": GATES,
        "escalation": POLICY,
        "start_after_minutes": args.start_after,
        "load": os.getloadavg(),
    }
    for seed in args.test_seeds:
        root = city(args.work, args.residents, args.days, seed, 1.0, args.number_model)
        report[f"seed_{seed}"] = test(root, model, args.capacities)
    report["load_after"] = os.getloadavg()
    print(json.dumps(report, indent=1, default=str))


if __name__ == "__main__":
    main()
