"""Benchmark the batch pipeline on a day of an 800k-resident city (issue 2, item 8).

Run: ``make bench`` or ``.venv/bin/python bench/bench_pipeline.py [--residents N] [--days D]
[--work DIR] [--skip-csv] [--skip-pandas]``.

The city is simulated once per format (Parquet; CSV for the CSV ingest timing; a simulation
already in ``--work`` with the same parameters is reused unless ``--fresh-sim``). Then, each in
its own freshly spawned process so that peak memory is measured per phase:

1. ingest from Parquet into a fresh store;
2. ingest from CSV into another fresh store;
3. DuckDB detection over the Parquet store (text scoring, then the SQL plan);
4. the plain-pandas baseline (``bench/pandas_detection.py``) over the same store, given the same
   text verdicts, checked to produce the same warnings as DuckDB.

Wall time is measured inside the child around the work (interpreter start and imports
excluded); peak memory is the child's maximum resident set size; CPU time is user + system of
the child. The load average is printed because the machine may be shared. Figures are printed
as a table and written to ``bench/out/pipeline.json`` (``--json``).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime as dt
import json
import multiprocessing
import os
import platform
import resource
import shutil
import sys
import time
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: make ``bench`` importable
    sys.path.insert(0, str(ROOT))

from bench.pandas_detection import detect_pandas  # noqa: E402
from fanzha.detection.engines import DuckDBEngine  # noqa: E402
from fanzha.detection.keyword_scorer import KeywordScorer  # noqa: E402
from fanzha.detection.pipeline import assemble, judge_texts  # noqa: E402
from fanzha.detection.plan import build_plan  # noqa: E402
from fanzha.detection.rules import load_rules  # noqa: E402
from fanzha.ingest import ingest_directory  # noqa: E402
from fanzha.sim import SimConfig, simulate  # noqa: E402
from fanzha.store.event_store import EventStore  # noqa: E402

EVENT_KINDS = ("calls", "sms", "url_visits", "app_events", "transfers")
TARGET_SECONDS = 60.0
TARGET_GIB = 8.0
TARGET_SPEEDUP = 5.0
GIB = 1024**3
PSEUDONYM_KEY = "bench-pipeline"


# ------------------------------------------------------------------ phases (run in children)
def _measured(work: Callable[..., dict[str, Any]], log: str, *args: Any) -> dict[str, Any]:
    """Run ``work`` in this (child) process; add CPU time, peak RSS and load average.

    ``work`` times itself (``wall_s``), leaving out the benchmark's own bookkeeping. Its
    output (progress bars) goes to ``log``.
    """
    with Path(log).open("w") as sink:
        os.dup2(sink.fileno(), 1)
        os.dup2(sink.fileno(), 2)
    load_before = os.getloadavg()
    result = work(*args)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    result.update(
        cpu_s=usage.ru_utime + usage.ru_stime,
        peak_rss_gib=usage.ru_maxrss * 1024 / GIB,  # ru_maxrss is in KiB on Linux
        load_before=load_before,
        load_after=os.getloadavg(),
    )
    return result


def simulate_city(out: str, residents: int, days: int, seed: int, fmt: str) -> dict[str, Any]:
    """Write the simulated city in ``fmt`` to ``out``."""
    shutil.rmtree(out, ignore_errors=True)
    config = SimConfig(residents=residents, days=days, seed=seed, format=fmt)  # type: ignore[arg-type]
    start = time.perf_counter()
    summary = simulate(config, Path(out))
    return {"wall_s": time.perf_counter() - start, "rows": dict(summary.rows)}


def ingest_city(source: str, data: str) -> dict[str, Any]:
    """Ingest a simulated city into a fresh store."""
    shutil.rmtree(data, ignore_errors=True)
    start = time.perf_counter()
    report = ingest_directory(Path(source), EventStore(Path(data)), pseudonym_key=PSEUDONYM_KEY)
    wall = time.perf_counter() - start
    accepted: dict[str, int] = {}
    quarantined: dict[str, int] = {}
    for file in report.files:
        accepted[file.kind] = accepted.get(file.kind, 0) + file.accepted
        quarantined[file.kind] = quarantined.get(file.kind, 0) + file.quarantined
    return {"wall_s": wall, "accepted": accepted, "quarantined": quarantined}


def detect_duckdb(data: str, work: str) -> dict[str, Any]:
    """Text scoring then the DuckDB plan (as ``run_detection``); results kept for the baseline."""
    store, rules = EventStore(Path(data)), load_rules(Path(work) / "rules.toml")
    start = time.perf_counter()
    verdicts = judge_texts(store, KeywordScorer())
    texts_s = time.perf_counter() - start
    start = time.perf_counter()
    warnings, reasons = DuckDBEngine(store).run(build_plan(rules), verdicts)
    assembled = assemble(warnings, reasons)
    plan_s = time.perf_counter() - start
    pq.write_table(verdicts, Path(work) / "text_verdicts.parquet")
    pq.write_table(warnings, Path(work) / "warnings_duckdb.parquet")
    return {
        "wall_s": texts_s + plan_s,
        "texts_s": texts_s,
        "engine_s": plan_s,
        "texts": verdicts.num_rows,
        "warnings": len(assembled),
        "rules": rules.full_version,
    }


def detect_pandas_phase(data: str, work: str) -> dict[str, Any]:
    """The pandas baseline over the same store, given the same text verdicts."""
    verdicts = pq.read_table(Path(work) / "text_verdicts.parquet")
    start = time.perf_counter()
    rules = load_rules(Path(work) / "rules.toml")
    warnings = detect_pandas(EventStore(Path(data)), rules, verdicts)
    engine_s = time.perf_counter() - start
    warnings.to_parquet(Path(work) / "warnings_pandas.parquet")
    return {
        "wall_s": engine_s,
        "engine_s": engine_s,
        "warnings": len(warnings),
        "rules": rules.full_version,
    }


def run_phase(
    name: str, logs: Path, work: Callable[..., dict[str, Any]], *args: Any
) -> dict[str, Any]:
    """Run one phase in a freshly spawned process, so its peak memory is its own."""
    print(f"  {name} ...", end="", flush=True)
    context = multiprocessing.get_context("spawn")
    log = logs / f"{work.__name__}-{len(list(logs.iterdir())):02d}.log"
    start = time.perf_counter()
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=context) as pool:
        result = pool.submit(_measured, work, str(log), *args).result()
    result["process_wall_s"] = time.perf_counter() - start  # with interpreter start and imports
    print(f" {result['wall_s']:.1f} s, peak {result['peak_rss_gib']:.2f} GiB", flush=True)
    return result


# ------------------------------------------------------------------------------- the run
def _manifest_matches(out: Path, residents: int, days: int, seed: int, fmt: str) -> bool:
    """A complete simulation with exactly these parameters is already in ``out``."""
    try:
        written = json.loads((out / "manifest.json").read_text())["parameters"]
    except (OSError, KeyError, ValueError):
        return False
    config = SimConfig(residents=residents, days=days, seed=seed, format=fmt)  # type: ignore[arg-type]
    return bool(written == config.to_dict())


def _simulated(args: argparse.Namespace, fmt: str, phases: dict[str, Any]) -> Path:
    out = Path(args.work) / f"sim-{fmt}"
    if not args.fresh_sim and _manifest_matches(out, args.residents, args.days, args.seed, fmt):
        print(f"  simulate ({fmt}): reusing {out}")
        phases[f"simulate_{fmt}"] = {"reused": True}
    else:
        phases[f"simulate_{fmt}"] = run_phase(
            f"simulate ({fmt})",
            args.logs,
            simulate_city,
            str(out),
            args.residents,
            args.days,
            args.seed,
            fmt,
        )
    return out


def _same_warnings(work: Path) -> tuple[bool, str]:
    """Whether DuckDB and pandas raised the same warnings (scores to 1e-6)."""
    keys = ["resident_id", "episode"]
    duck = pd.read_parquet(work / "warnings_duckdb.parquet")
    mine = pd.read_parquet(work / "warnings_pandas.parquet")
    if len(duck) != len(mine):
        return False, f"{len(duck)} vs {len(mine)} warnings"
    duck["episode"] = duck["episode"].astype("int64")
    duck, mine = (f.sort_values(keys).reset_index(drop=True) for f in (duck, mine))
    differing = []
    for col in duck.columns:
        left, right = duck[col], mine[col]
        if col == "score":
            same = np.isclose(left.astype(float), right.astype(float), rtol=0, atol=1e-6)
        else:
            same = (left.astype(object) == right.astype(object)) | (left.isna() & right.isna())
        if not bool(np.all(same)):
            differing.append(col)
    return not differing, ("differ in " + ", ".join(differing)) if differing else "identical"


def _row(name: str, phase: dict[str, Any], events: int, note: str = "") -> str:
    wall = phase["wall_s"]
    load = f"{phase['load_before'][0]:.1f}→{phase['load_after'][0]:.1f}"
    return (
        f"{name:<34}{wall:>9.1f}{events / wall / 1e6:>11.2f}{phase['cpu_s']:>9.1f}"
        f"{phase['peak_rss_gib']:>10.2f}  {load:<10}  {note}"
    )


def report(args: argparse.Namespace, phases: dict[str, Any], events: int) -> dict[str, Any]:
    """Print the table and the targets; return the figures for the JSON file."""
    print()
    print(
        f"city: {args.residents:,} residents × {args.days} day(s), seed {args.seed}; "
        f"{events:,} events; {os.cpu_count()} cores; load average at start "
        f"{' / '.join(f'{x:.2f}' for x in phases['load_start'])} (1/5/15 min)"
    )
    header = (
        f"{'phase':<34}{'wall s':>9}{'Mevents/s':>11}{'CPU s':>9}{'peak GiB':>10}  "
        f"{'load 1-min':<10}  note"
    )
    print(header)
    print("-" * len(header))
    rows = [
        ("ingest_parquet", "ingest from Parquet", ""),
        ("ingest_csv", "ingest from CSV", ""),
    ]
    for key, name, note in rows:
        if key in phases:
            print(_row(name, phases[key], events, note))
    duck = phases["detect_duckdb"]
    print(
        _row(
            "detect, DuckDB (texts + plan)",
            duck,
            events,
            f"texts {duck['texts_s']:.1f} s + plan {duck['engine_s']:.1f} s; "
            f"{duck['warnings']} warnings",
        )
    )
    figures: dict[str, Any] = {}
    if "detect_pandas" in phases:
        pand = phases["detect_pandas"]
        print(
            _row(
                "detect, pandas baseline",
                pand,
                events,
                f"same texts given; {pand['warnings']} warnings, {phases['same_warnings'][1]}",
            )
        )
        figures["speedup_engine"] = pand["engine_s"] / duck["engine_s"]
        figures["speedup_with_texts"] = (pand["engine_s"] + duck["texts_s"]) / duck["wall_s"]
    if "detect_pandas" in phases:
        same, how = phases["same_warnings"]
        print(
            f"warnings DuckDB vs pandas: {'IDENTICAL' if same else 'DIFFERENT'} ({how}); rules "
            f"{duck['rules']} / {phases['detect_pandas']['rules']}"
        )
    print()
    ingest = phases["ingest_parquet"]
    total = ingest["wall_s"] + duck["wall_s"]
    peak = max(ingest["peak_rss_gib"], duck["peak_rss_gib"])
    figures.update(ingest_plus_detect_s=total, ingest_plus_detect_peak_gib=peak)

    def verdict(ok: bool) -> str:
        return "met" if ok else "NOT met"

    print("targets (800k × 1 day): ingest(Parquet) + detect")
    print(
        f"  wall  {total:6.1f} s   (ingest {ingest['wall_s']:.1f} + detect "
        f"{duck['wall_s']:.1f})   target ≤ {TARGET_SECONDS:.0f} s   "
        f"{verdict(total <= TARGET_SECONDS)}"
    )
    print(
        f"  peak  {peak:6.2f} GiB (per phase, max)           target ≤ {TARGET_GIB:.0f} GiB  "
        f"{verdict(peak <= TARGET_GIB)}"
    )
    if "speedup_engine" in figures:
        engine, whole = figures["speedup_engine"], figures["speedup_with_texts"]
        print(
            f"  speed {engine:6.1f}× faster than pandas (detection proper: plan "
            f"{duck['engine_s']:.1f} s vs pandas {phases['detect_pandas']['engine_s']:.1f} s)"
            f"   target ≥ {TARGET_SPEEDUP:.0f}×  {verdict(engine >= TARGET_SPEEDUP)}"
        )
        print(
            f"        {whole:6.1f}× with the shared text scoring ({duck['texts_s']:.1f} s) "
            "counted on both sides"
        )
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, default=800_000)
    parser.add_argument("--days", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work", default=str(ROOT / "bench" / "out"), help="work folder")
    parser.add_argument("--skip-csv", action="store_true", help="no CSV simulation or ingest")
    parser.add_argument("--skip-pandas", action="store_true", help="no pandas baseline")
    parser.add_argument("--fresh-sim", action="store_true", help="simulate even if present")
    parser.add_argument(
        "--json", default=str(ROOT / "bench" / "out" / "pipeline.json"), help="figures file"
    )
    args = parser.parse_args(argv)
    work = Path(args.work).resolve()
    work.mkdir(parents=True, exist_ok=True)
    args.work = str(work)

    args.logs = work / "logs"
    shutil.rmtree(args.logs, ignore_errors=True)
    args.logs.mkdir()
    # one rules snapshot for both engines (the packaged file may be edited meanwhile)
    rules_text = resources.files("fanzha.detection.rules").joinpath("default.toml").read_bytes()
    (work / "rules.toml").write_bytes(rules_text)
    phases: dict[str, Any] = {"load_start": os.getloadavg()}
    print(f"pipeline benchmark in {work} (child output in {args.logs})")
    parquet = _simulated(args, "parquet", phases)
    csv = None if args.skip_csv else _simulated(args, "csv", phases)
    store = work / "store-parquet"
    logs = args.logs
    phases["ingest_parquet"] = run_phase(
        "ingest from Parquet", logs, ingest_city, str(parquet), str(store)
    )
    if csv is not None:
        phases["ingest_csv"] = run_phase(
            "ingest from CSV", logs, ingest_city, str(csv), str(work / "store-csv")
        )
        shutil.rmtree(work / "store-csv", ignore_errors=True)
    phases["detect_duckdb"] = run_phase(
        "detect (DuckDB)", logs, detect_duckdb, str(store), str(work)
    )
    if not args.skip_pandas:
        phases["detect_pandas"] = run_phase(
            "detect (pandas baseline)", logs, detect_pandas_phase, str(store), str(work)
        )
        phases["same_warnings"] = _same_warnings(work)

    events = sum(phases["ingest_parquet"]["accepted"].get(k, 0) for k in EVENT_KINDS)
    figures = report(args, phases, events)
    result = {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {"cores": os.cpu_count(), "platform": platform.platform()},
        "city": {"residents": args.residents, "days": args.days, "seed": args.seed},
        "events": events,
        "phases": phases,
        "figures": figures,
        "targets": {
            "ingest_plus_detect_s": TARGET_SECONDS,
            "peak_gib": TARGET_GIB,
            "speedup_vs_pandas": TARGET_SPEEDUP,
        },
    }
    out = Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False, default=str) + "\n")
    print(f"\nfigures written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
