"""``simulate``: build the city, plan the fraud, then generate and write chunk by chunk."""

from __future__ import annotations

import logging
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pyarrow as pa

from fanzha.core.phone import display
from fanzha.core.schemas import KINDS
from fanzha.sim import events, names, scripts
from fanzha.sim.cases import write_cases
from fanzha.sim.catalog import build_pools
from fanzha.sim.city import City, build_city, registry_rows
from fanzha.sim.cold import cold_contacts
from fanzha.sim.config import (
    CHUNK_PERSONS,
    GENERATOR_VERSION,
    US_PER_DAY,
    SimConfig,
    SimSummary,
    format_time,
)
from fanzha.sim.feeds import choose_blacklisted, indicator_feed, leads, wrong_entries
from fanzha.sim.journeys import JourneyBuilder, Target
from fanzha.sim.negatives import Actors, build_actors, hard_negatives
from fanzha.sim.normal import Slice, normal_traffic
from fanzha.sim.operations import Operation, OperationFactory
from fanzha.sim.rand import rng_for
from fanzha.sim.truth import (
    Indicator,
    fraud_indicators,
    merge_targets,
    used_numbers,
    visitor_targets,
)
from fanzha.sim.writer import PartWriter

log = logging.getLogger(__name__)


def simulate(config: SimConfig, out: Path) -> SimSummary:
    """Write a synthetic city's data and ground truth to ``out``; same config, same bytes."""
    began = time.perf_counter()
    writer = PartWriter(out, config)
    city = build_city(config)
    log.info("city: %d persons, %d communities", city.n_persons, city.n_communities)
    actors = build_actors(config, city)
    taken = set(city.phone.tolist()) | set(city.phone2[city.phone2 > 0].tolist())
    factory = OperationFactory(config, len(city.cells), taken)
    ops = factory.build(lookback=max(scripts.span_days(t) for t in scripts.SCRIPTS) + 2)
    cold_calls, cold_sms, contacts = cold_contacts(config, city, ops)
    journey_tables, journeys = JourneyBuilder(config, city, ops, factory).run()
    fraud = dict(journey_tables)
    fraud["calls"] = events.concat("calls", [cold_calls, journey_tables["calls"]])
    fraud["sms"] = events.concat("sms", [cold_sms, journey_tables["sms"]])
    negative_truth = _write_events(config, writer, city, actors, fraud)
    t0, t1 = config.start_us, config.end_us
    targets = merge_targets(city, contacts, journeys, t0, t1)
    truth = _write_indicators(config, writer, actors, ops, used_numbers(fraud, t0, t1))
    _write_tables(config, writer, city, ops, targets, visitor_targets(city, contacts, t0, t1))
    _write_targets(writer, city, ops, targets)
    write_cases(config, out, city, ops, targets, fraud["transfers"])  # DIR/cases.csv
    writer.ground_truth(
        "hard_negatives",
        ("phone", "kind", "note"),
        [(display(k), kind, note) for k, kind, note in actors.ground_truth + negative_truth],
    )
    summary = _summary(config, out, writer, targets, ops)
    writer.manifest(
        {
            "window": {"start": format_time(t0), "end": format_time(t1)},
            "stages": summary.stages,
            "operations": len(ops),
            "indicators_truth": len(truth),
            "generator_version": GENERATOR_VERSION,
        }
    )
    summary.seconds = time.perf_counter() - began
    log.info("simulation written to %s in %.1f s", out, summary.seconds)
    return summary


def _write_events(
    config: SimConfig, writer: PartWriter, city: City, actors: Actors, fraud: dict[str, pa.Table]
) -> list[tuple[int, str, str]]:
    pools = build_pools(rng_for(config.seed, "texts"), config.scale)
    n_chunks = -(-city.n_persons // CHUNK_PERSONS)
    truth: list[tuple[int, str, str]] = []
    for day in range(config.days):
        day_start = config.start_us + day * US_PER_DAY
        for chunk in range(n_chunks):
            lo, hi = city.chunk_range(chunk, CHUNK_PERSONS)
            persons = np.arange(lo, hi, dtype=np.int64)
            tables = normal_traffic(
                Slice(
                    city, pools, rng_for(config.seed, "normal", day, chunk), persons, day_start, day
                )
            )
            negs, rows = hard_negatives(
                Slice(
                    city,
                    pools,
                    rng_for(config.seed, "negatives", day, chunk),
                    persons,
                    day_start,
                    day,
                ),
                actors,
            )
            truth += rows
            for kind in events.EVENT_KINDS:
                col = KINDS[kind].time_column or ""
                mine = events.select(fraud[kind], lo, hi, day_start, day_start + US_PER_DAY, col)
                table = events.concat(kind, [*tables.get(kind, []), *negs.get(kind, []), mine])
                writer.write(kind, day * n_chunks + chunk, events.sort_by_time(table, col))
            log.info("day %d chunk %d/%d written", day + 1, chunk + 1, n_chunks)
    return truth


def _write_indicators(
    config: SimConfig, writer: PartWriter, actors: Actors, ops: list[Operation], used: set[int]
) -> list[Indicator]:
    rng = rng_for(config.seed, "feeds", 1)
    truth = fraud_indicators(ops, used)
    listed = choose_blacklisted(rng, truth, config.blacklist_coverage)
    pools = build_pools(rng_for(config.seed, "texts"), config.scale)
    truth += wrong_entries(rng, config, actors, pools.merchant_accounts)
    writer.write("indicators", 0, indicator_feed(rng, config, truth, listed))
    writer.ground_truth(
        "indicators",
        ("kind", "value", "fraud_type", "operation_id", "blacklisted", "is_wrong"),
        [
            (
                t.kind,
                t.value,
                t.fraud_type,
                t.op_id,
                int(i in listed or t.is_wrong),
                int(t.is_wrong),
            )
            for i, t in enumerate(truth)
        ],
    )
    writer.ground_truth(
        "fraud_numbers",
        ("phone", "operation_id", "fraud_type", "number_kind", "blacklisted"),
        [
            (t.value, t.op_id, t.fraud_type, t.number_kind, int(i in listed))
            for i, t in enumerate(truth)
            if t.kind == "phone" and not t.is_wrong
        ],
    )
    return truth


def _write_tables(
    config: SimConfig,
    writer: PartWriter,
    city: City,
    ops: list[Operation],
    targets: list[Target],
    visitors: list[Target],
) -> None:
    comms = range(city.n_communities)
    station = [c * city.n_stations // city.n_communities for c in comms]
    writer.write(
        "jurisdictions",
        0,
        events.make(
            "jurisdictions",
            list(comms),
            community=[names.community_code(c) for c in comms],
            community_name=[names.community_name(c) for c in comms],
            station=[names.station_code(s) for s in station],
            station_name=[names.station_name(s) for s in station],
        ),
    )
    people, keys = registry_rows(city)
    codes = pa.array([names.community_code(c) for c in comms])
    writer.write(
        "residents",
        0,
        events.make(
            "residents",
            people,
            phone=keys,
            id_number=events.take(city.id_number, people),
            birth_year=city.birth_year[people],
            gender=np.array(["M", "F"])[city.gender[people]],
            occupation=np.array(KINDS["residents"].column("occupation").choices)[
                city.occupation[people]
            ],
            community=events.take(codes, city.community[people]),
        ),
    )
    writer.write(
        "leads", 0, leads(rng_for(config.seed, "feeds", 2), config, city, ops, targets, visitors)
    )


def _write_targets(
    writer: PartWriter, city: City, ops: list[Operation], targets: list[Target]
) -> None:
    header = (
        "phone",
        "fraud_type",
        "operation_id",
        "first_contact",
        "stage",
        "would_be_loss_time",
        "would_be_loss_amount",
        "fraud_numbers",
    )
    writer.ground_truth(
        "targets",
        header,
        [
            (
                display(int(city.phone[t.person])),
                ops[t.op_index].fraud_type,
                ops[t.op_index].op_id,
                format_time(t.first_contact),
                t.stage,
                format_time(t.loss_time) if t.loss_time else "",
                f"{t.loss_amount:.2f}" if t.loss_time else "",
                ";".join(display(k) for k in sorted(t.numbers)),
            )
            for t in targets
        ],
    )


def _summary(
    config: SimConfig, out: Path, writer: PartWriter, targets: list[Target], ops: list[Operation]
) -> SimSummary:
    stages = Counter(t.stage for t in targets)
    return SimSummary(
        out=out,
        rows=dict(writer.rows),
        ground_truth_rows=dict(writer.ground_truth_rows),
        stages={
            s: stages.get(s, 0) for s in ("contacted", "engaged", "protected_self", "would_lose")
        },
        would_lose=stages.get("would_lose", 0),
        operations=len(ops),
    )
