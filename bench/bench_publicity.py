"""Time the publicity pages over real HTTP with a year of data, and the effect measure.

For each backend (a throwaway SQLite file; PostgreSQL with ``--pg-url``): a year of simulated
desk history (``fanzha.sim.history``) and of publicity (``fanzha.sim.publicity``: teams, a
growing roster, the planned campaign, its events) over the same communities; then ``uvicorn``
(1 process) and, sequentially as one user, ``--requests`` GETs of each page (campaign list,
campaign detail, event form, dashboard) and ``--posts`` event entries — p50/p95/p99 in ms.
Then the simulated year's plan and difference in differences, timed.

    python bench/bench_publicity.py                      # SQLite, 400k residents
    python bench/bench_publicity.py --pg-url postgresql+psycopg://postgres@127.0.0.1:55432/h7
"""

from __future__ import annotations

import argparse
import re
import statistics
import time

import httpx
from argon2 import PasswordHasher
from sqlalchemy import select

from bench_desk import on_each_backend, start_server  # same folder
from fanzha.reporting.effect import Window, comparable, difference_in_differences
from fanzha.sim.history import HistoryConfig, simulate_history
from fanzha.sim.publicity import PublicityConfig, simulate_publicity
from fanzha.sim.publicity_store import write_publicity
from fanzha.store.database import make_engine, session_factory, upgrade
from fanzha.workflow.campaign.models import Campaign
from fanzha.workflow.roles import Role
from fanzha.workflow.station.models import Community
from fanzha.workflow.user import service as users
from fanzha.workflow.user.models import UserCreate

PASSWORD = "bench-password-1"


def build(url: str, residents: int) -> tuple[int, str, str]:
    """The history, the publicity year, a supervisor; the campaign id and a community."""
    upgrade(url)
    engine = make_engine(url)
    simulate_history(engine, HistoryConfig(residents=residents, months=12))
    factory = session_factory(engine)
    with factory() as s:
        stations = {c.code: c.station_code for c in s.scalars(select(Community))}
    sim = simulate_publicity(PublicityConfig(seed=1), names=sorted(stations))
    summary = write_publicity(factory, sim, stations=stations)
    print(f"  publicity: {summary}")
    users._HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    with factory.begin() as s:
        users.create(
            session=s,
            data=UserCreate(
                username="op", display_name="op", role=Role.CENTRE_SUPERVISOR, password=PASSWORD
            ),
        )
        campaign = s.scalar(select(Campaign.id))
    engine.dispose()
    assert campaign is not None
    return campaign, sim.plan.communities[0], stations[sim.plan.communities[0]]


def _client(base: str) -> tuple[httpx.Client, str]:
    c = httpx.Client(base_url=base, timeout=30)
    token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text)
    assert token
    c.post("/login", data={"username": "op", "password": PASSWORD, "csrf_token": token.group(1)})
    form = c.get("/publicity/event").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert csrf
    return c, csrf.group(1)


def _percentiles(ms: list[float]) -> str:
    q = statistics.quantiles(ms, n=100)
    return f"p50 {q[49]:6.1f}  p95 {q[94]:6.1f}  p99 {q[98]:6.1f} ms (n={len(ms)})"


def bench_backend(name: str, url: str, args: argparse.Namespace) -> None:
    print(f"[{name}] building a year of data for {args.residents:,} residents …")
    t0 = time.perf_counter()
    campaign, community, _ = build(url, args.residents)
    print(f"  built in {time.perf_counter() - t0:.0f} s")
    proc, base = start_server(url, workers=1)
    try:
        client, csrf = _client(base)
        pages = ("/campaigns", f"/campaigns/{campaign}", "/publicity/event", "/dashboard")
        for path in pages:
            t = time.perf_counter()
            client.get(path)  # first view: caches filled
            cold = (time.perf_counter() - t) * 1000
            times = []
            for _ in range(args.requests):
                t = time.perf_counter()
                assert client.get(path).status_code == 200
                times.append((time.perf_counter() - t) * 1000)
            print(f"  GET {path:<22} first {cold:6.1f} ms, then {_percentiles(times)}")
        times = []
        for i in range(args.posts):
            data = {"csrf_token": csrf, "kind": "market", "held_at": "2026-12-01T09:00",
                    "community": community, "reached": str(100 + i), "leaflets": "80",
                    "f0_kind": "dissuaded", "f0_type": "fake_investment",
                    "f0_phone": f"1390000{i:04d}"}  # fmt: skip
            t = time.perf_counter()
            assert client.post("/publicity/event", data=data).status_code == 303
            times.append((time.perf_counter() - t) * 1000)
        print(f"  POST /publicity/event (with a dissuaded lead) {_percentiles(times)}")
    finally:
        proc.terminate()
        proc.wait(10)


def bench_effect() -> None:
    t = time.perf_counter()
    sim = simulate_publicity(PublicityConfig(seed=1))
    simulated = time.perf_counter() - t
    t = time.perf_counter()
    window = Window(sim.start, before=3, after=6, gap=3)
    targeted = set(sim.plan.communities)
    comparison = comparable(sim.rows, targeted, window=window, audience=sim.plan.audience)
    found = difference_in_differences(
        sim.rows,
        targeted=targeted,
        comparison=comparison,
        window=window,
        audience=sim.plan.audience,
    )
    took = time.perf_counter() - t
    print(f"effect: simulate {simulated:.2f} s ({len(sim.rows):,} rows), match + DiD + 2,000")
    print(f"  bootstrap draws × 4 measures {took:.2f} s")
    for e in found:
        print(f"  {e.statement}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--residents", type=int, default=400_000)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--posts", type=int, default=30)
    parser.add_argument("--pg-url", default="")
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()
    bench_effect()
    on_each_backend(args, "fz_bench_publicity", bench_backend)


if __name__ == "__main__":
    main()
