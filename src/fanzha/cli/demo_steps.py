"""The demo's steps after the batch: outreach, publicity, and a live hour through the stream.

- **Outreach** sends the tiers' automated contacts (SMS to *automated*, robot calls to
  *assisted* warnings) through the local test SMS gateway and voice robot of
  :mod:`fanzha.notify.testing` — real HTTP, simulated handsets (the robot's outcome follows
  the number's last digit) — and escalates the unreached, as ``fanzha notify run`` does.
- **Publicity** writes a simulated year of volunteers, campaigns and events and measures the
  campaign's effect against the simulator's truth, as ``fanzha publicity simulate`` does.
- **Spark** replays that hour (below) through Spark Structured Streaming into a scratch
  store (``fanzha stream spark-replay``) and checks its warnings against the consumer's
  scorer; skipped, with the reason, without Java or with ``--no-spark``.
- **Live** simulates the next day of the same city, takes one hour of its events and replays
  them through a local Redis stream and the stream consumer (``fanzha stream replay``), so
  warnings reach the desk as the events arrive; skipped, with the reason, without
  ``redis-server``.
"""

from __future__ import annotations

import atexit
import dataclasses
import datetime as dt
import json
import shutil
import threading
import time
from pathlib import Path

import duckdb
import httpx
from sqlalchemy import func, select

from fanzha.cli.common import console
from fanzha.settings import Settings
from fanzha.sim import SimConfig, simulate
from fanzha.store.database import make_engine, session_factory, upgrade
from fanzha.stream.events import STREAM_KINDS, TIME_COLUMN
from fanzha.stream.redis_server import free_port, redis_binary, start_redis
from fanzha.workflow.warning.models import EarlyWarning

LIVE_HOUR = 9  # 09:00–10:00 of the next day: the morning's first busy hour
REFERENCE = ("residents", "jurisdictions", "indicators")


def outreach_step(settings: Settings) -> None:
    """Automated contacts of the tiered warnings through local test servers."""
    from fanzha.cli.notify import make_dispatcher, outreach_summary, reach_warnings
    from fanzha.notify.testing.sms_gateway import LocalSmsGateway
    from fanzha.notify.testing.voice_robot import LocalVoiceRobot

    gateway = LocalSmsGateway("demo-token").start()
    robot = LocalVoiceRobot("demo-secret", token="demo-voice", delay=0.0).start()
    channels = settings.data_dir / "demo-channels.json"
    channels.parent.mkdir(parents=True, exist_ok=True)
    specs = {
        "sms": {"kind": "http_sms", "url": gateway.url, "token": "demo-token"},
        "voice": {
            "kind": "voice",
            "url": robot.url,
            "token": "demo-voice",
            "callback_secret": "demo-secret",
            "per_second": 200,
        },
    }
    channels.write_text(json.dumps(specs, indent=1), encoding="utf-8")
    url = settings.effective_database_url
    upgrade(url)
    factory = session_factory(make_engine(url))
    dispatcher = make_dispatcher(settings, factory, channels)
    try:
        report = reach_warnings(settings, factory, dispatcher, receipt_wait=10.0)
    finally:
        dispatcher.close()
        gateway.stop()
        robot.stop()
    console.print(outreach_summary(report) if report else "no outreach channel configured")
    console.print(
        f"simulated gateway: {len(gateway.state.accepted):,} SMS accepted; "
        f"simulated voice robot: {len(robot.state.calls):,} calls"
    )


def publicity_step(settings: Settings, seed: int) -> None:
    """A simulated year of volunteers and campaigns, and the measured effect."""
    from fanzha.cli.publicity import simulate_command

    simulate_command(effect=0.3, seed=seed, database_url=settings.effective_database_url)


def _counts(settings: Settings) -> tuple[int, int]:
    """(warnings, levels reached by streamed events) in the workflow store."""
    from fanzha.workflow.stream.models import StreamRaise

    engine = make_engine(settings.effective_database_url)
    try:
        with engine.connect() as conn:
            warnings = conn.scalar(select(func.count()).select_from(EarlyWarning)) or 0
            raises = conn.scalar(select(func.count()).select_from(StreamRaise)) or 0
    finally:
        engine.dispose()
    return int(warnings), int(raises)


def next_hour(config: SimConfig, folder: Path, batch_sim: Path) -> tuple[Path, int]:
    """One hour of the day after the batch's window, same city: (folder, events)."""
    following = dataclasses.replace(config, days=config.days + 1)
    full = folder / "sim-next"
    simulate(following, full)
    live = folder / "live"
    shutil.rmtree(live, ignore_errors=True)
    for kind in REFERENCE:  # the batch's registry; the blacklists as of the next day
        shutil.copytree((full if kind == "indicators" else batch_sim) / kind, live / kind)
    day = dt.datetime.combine(following.start + dt.timedelta(days=config.days), dt.time())
    low, high = day + dt.timedelta(hours=LIVE_HOUR), day + dt.timedelta(hours=LIVE_HOUR + 1)
    events = 0
    con = duckdb.connect()
    try:
        for kind in STREAM_KINDS:
            part = full / kind / f"part-{config.days:05d}.parquet"
            if not part.is_file():
                continue
            (live / kind).mkdir(parents=True)
            column = duckdb.ColumnExpression(TIME_COLUMN[kind])
            hour = con.read_parquet(part.as_posix()).filter(
                (column >= duckdb.ConstantExpression(low))
                & (column < duckdb.ConstantExpression(high))
            )
            hour.write_parquet((live / kind / "part-00000.parquet").as_posix())
            events += len(hour)
    finally:
        con.close()
    return live, events


def spark_step(live: Path, folder: Path) -> None:
    """The same hour through Spark Structured Streaming into a scratch store, checked.

    The warnings must equal those of the consumer's scorer fed the same events in-process.
    """
    if shutil.which("java") is None:
        console.print("Java is not installed: no Spark part (apt-get install default-jre-headless)")
        return
    from fanzha.detection.keyword_scorer import KeywordScorer
    from fanzha.detection.rules import load_rules
    from fanzha.stream.lookups import build_lookups
    from fanzha.stream.runtime import stage_events
    from fanzha.stream.scorer import StreamScorer
    from fanzha.stream.source import store_events
    from fanzha.stream.spark_runtime import spark_replay

    home = folder / "spark"
    shutil.rmtree(home, ignore_errors=True)
    scratch = Settings(data_dir=home / "data", database_url=f"sqlite:///{home / 'fanzha.db'}")
    report = spark_replay(live, scratch, events_per_file=5_000, files_per_trigger=1)
    staged = stage_events(live, scratch)
    rules = load_rules()
    scorer = StreamScorer(rules, build_lookups(staged, rules), KeywordScorer())
    expected = {
        (w.resident_id, w.episode_start): w.level for w in scorer.feed(store_events(staged))
    }
    engine = make_engine(scratch.effective_database_url)
    with session_factory(engine)() as session:
        rows = session.execute(
            select(EarlyWarning.resident_id, EarlyWarning.episode_start, EarlyWarning.level)
        ).all()
    engine.dispose()
    got = {(r, start): level for r, start, level in rows}
    same = "yes" if got == expected else "NO"
    console.print(
        f"[green]Spark:[/] the same warnings as the consumer's scorer: {same} → {len(got)} "
        f"warnings from {report.events:,} resident-events in {report.files} micro-batches, "
        f"{report.seconds:.0f} s with Spark's start (scratch store {home})"
    )


def live_step(
    settings: Settings, live: Path, events: int, *, seconds: float, desk_port: int | None
) -> threading.Thread | None:
    """Replay the next hour through the stream; in the background when the desk will serve."""
    if redis_binary() is None:
        console.print("redis-server is not installed: no live part (apt-get install redis-server)")
        return None
    port = free_port()
    broker = start_redis(live.parent / "redis", port, durable=False)
    atexit.register(broker.terminate)
    live_settings = settings.model_copy(
        update={"stream_redis_url": f"redis://127.0.0.1:{port}/0", "stream_name": "demo"}
    )
    rate = max(events / seconds, 1.0)
    console.print(
        f"next day {LIVE_HOUR:02d}:00–{LIVE_HOUR + 1:02d}:00: {events:,} events, replayed at "
        f"{rate:,.0f} events/s through Redis {port} and the stream consumer"
    )

    def run() -> None:
        if desk_port is not None:
            _wait_for_desk(desk_port)
        _replay(live, live_settings, rate)

    if desk_port is None:
        run()
        return None
    thread = threading.Thread(target=run, name="demo-live", daemon=True)
    thread.start()
    return thread


def _replay(live: Path, settings: Settings, rate: float) -> None:
    from fanzha.stream.runtime import replay

    before, raised_before = _counts(settings)
    start = time.monotonic()
    report = replay(live, settings, rate=rate, consume=True)
    after, raised_after = _counts(settings)
    console.print(
        f"[green]实时 live:[/] {report.sent:,} events in {time.monotonic() - start:.0f} s → "
        f"{after - before} new warnings; {raised_after - raised_before} warning levels reached "
        "by streamed events, each on its station's desk queue as it came"
    )


def _wait_for_desk(port: int, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/", timeout=1.0)
            return
        except httpx.HTTPError:
            time.sleep(0.5)
