"""``fanzha stream``: the real-time path — broker, consumer, replay of a simulated city."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import typer

from fanzha.cli.common import DatabaseOption, DataDirOption, console, settings_with
from fanzha.errors import ConfigError
from fanzha.stream.redis_server import redis_binary

stream_app = typer.Typer(
    help="Real-time detection (事中干预): broker, consumer, replay.", no_args_is_help=True
)


@stream_app.command("serve")
def serve(
    data_dir: Path | None = DataDirOption,
    database_url: str | None = DatabaseOption,
    text_model: Path | None = typer.Option(None, help="trained text model; default keywords"),
    name: str = typer.Option("default", help="consumer name (its checkpoint)"),
) -> None:
    """Consume the event stream: score as events arrive, warnings straight to the desk."""
    from fanzha.stream.runtime import make_consumer

    settings = settings_with(data_dir, database_url)
    consumer = make_consumer(settings, text_model=text_model, name=name)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    console.print(f"consuming {settings.stream_name} from offset {consumer.offset} (Ctrl-C stops)")
    total = consumer.run(stop.is_set)
    console.print(f"stopped after {total:,} events at offset {consumer.offset}")


@stream_app.command("replay")
def replay(
    sim_dir: Path = typer.Argument(..., help="a simulator folder (fanzha simulate --out)"),
    rate: float | None = typer.Option(None, help="events per second (default: as fast as allowed)"),
    consume: bool = typer.Option(True, help="run a consumer here (off: one runs elsewhere)"),
    data_dir: Path | None = DataDirOption,
    database_url: str | None = DatabaseOption,
) -> None:
    """Feed a simulator folder in event-time order through the stream; exit when consumed."""
    from fanzha.stream.runtime import replay as run_replay

    if rate is not None and rate <= 0:
        raise ConfigError("--rate must be positive")
    settings = settings_with(data_dir, database_url)
    start = time.monotonic()
    report = run_replay(sim_dir, settings, rate=rate, consume=consume)
    seconds = time.monotonic() - start
    console.print(
        f"replayed {report.sent:,} events ({report.duplicates:,} already queued, "
        f"{report.waits} waits on a full queue) in {seconds:.1f} s; consumed"
    )


@stream_app.command("spark-replay")
def spark_replay(
    sim_dir: Path = typer.Argument(..., help="a simulator folder (fanzha simulate --out)"),
    events_per_file: int = typer.Option(20_000, min=1, help="events per source file"),
    files_per_trigger: int = typer.Option(1, min=1, help="source files per micro-batch"),
    data_dir: Path | None = DataDirOption,
    database_url: str | None = DatabaseOption,
) -> None:
    """Replay a simulator folder through Spark Structured Streaming (local mode; needs Java)."""
    from fanzha.stream.spark_runtime import spark_replay as run_spark_replay

    settings = settings_with(data_dir, database_url)
    report = run_spark_replay(
        sim_dir, settings, events_per_file=events_per_file, files_per_trigger=files_per_trigger
    )
    rate = report.events / report.seconds if report.seconds > 0 else 0.0
    console.print(
        f"Spark scored {report.events:,} resident-events from {report.files} files in "
        f"{report.seconds:.1f} s ({rate:,.0f}/s, Spark start included; files already "
        "consumed are skipped); "
        f"{report.warnings_written:,} warnings in the workflow store"
    )


@stream_app.command("spark")
def spark_serve(
    source: Path = typer.Argument(..., help="folder where JSON-lines event files land"),
    checkpoint: Path = typer.Option(..., help="Spark checkpoint folder (offsets and state)"),
    once: bool = typer.Option(False, help="consume what is there, then stop"),
    files_per_trigger: int = typer.Option(1, min=1, help="source files per micro-batch"),
    trigger_seconds: float = typer.Option(1.0, min=0.1, help="micro-batch interval"),
    buckets: int = typer.Option(1024, min=1, help="state partitions (fixed per checkpoint)"),
    text_model: Path | None = typer.Option(None, help="trained text model; default keywords"),
    data_dir: Path | None = DataDirOption,
    database_url: str | None = DatabaseOption,
) -> None:
    """Score event files as they land with Spark Structured Streaming (Ctrl-C stops)."""
    from fanzha.stream.spark import JobOptions
    from fanzha.stream.spark_runtime import start_spark_job

    settings = settings_with(data_dir, database_url)
    options = JobOptions(source, checkpoint, files_per_trigger, once, trigger_seconds, buckets)
    spark, query = start_spark_job(settings, options, text_model=text_model)
    console.print(f"Spark job reading {source} (checkpoint {checkpoint})")
    try:
        query.awaitTermination()
    except KeyboardInterrupt:
        query.stop()
    finally:
        spark.stop()


@stream_app.command("broker")
def broker(
    port: int = typer.Option(6379, help="TCP port on 127.0.0.1"),
    directory: Path = typer.Option(Path("var/redis"), "--dir", help="append-only file folder"),
) -> None:
    """Run the broker (Debian's redis-server, durable append-only file) in the foreground."""
    binary = redis_binary()
    if binary is None:
        raise ConfigError("redis-server is not installed (apt-get install redis-server)")
    directory.mkdir(parents=True, exist_ok=True)
    args = [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(directory)]
    os.execv(binary, [*args, "--appendonly", "yes", "--appendfsync", "everysec", "--save", ""])


def register(app: typer.Typer) -> None:
    """Add ``fanzha stream``."""
    app.add_typer(stream_app, name="stream")
