"""``fanzha simulate``: write a synthetic city's data and ground truth."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Literal, cast

import typer

from fanzha.errors import ConfigError
from fanzha.sim import SimConfig, simulate


def register(app: typer.Typer) -> None:
    """Add the ``simulate`` command to the app."""
    app.command("simulate")(simulate_command)


def simulate_command(
    out: Annotated[Path, typer.Option("--out", help="output directory")],
    residents: Annotated[int, typer.Option(help="registry size (phones +2 % visitors)")] = 800_000,
    days: Annotated[int, typer.Option(help="number of days to simulate")] = 1,
    seed: Annotated[int, typer.Option(help="same seed and arguments, same files")] = 1,
    start: Annotated[str, typer.Option(help="first day, YYYY-MM-DD")] = "2026-11-01",
    fmt: Annotated[str, typer.Option("--format", help="parquet or csv")] = "parquet",
    blacklist_coverage: Annotated[
        float, typer.Option(help="share of fraud indicators in the feed")
    ] = 0.3,
    lead_coverage: Annotated[
        float, typer.Option(help="share of engaged victims with an upstream lead")
    ] = 0.4,
    csv_encoding: Annotated[str, typer.Option(help="utf-8 or gbk (CSV only)")] = "utf-8",
    fraud_multiplier: Annotated[
        float, typer.Option(help="scale the fraud volume (demos, tests)")
    ] = 1.0,
) -> None:
    """Simulate a city: residents, traffic, fraud, indicator feed, leads and ground truth."""
    try:
        first_day = dt.date.fromisoformat(start)
    except ValueError as exc:
        raise ConfigError("--start must be a date YYYY-MM-DD", start=start) from exc
    if fmt not in ("parquet", "csv") or csv_encoding not in ("utf-8", "gbk"):
        raise ConfigError("--format must be parquet|csv and --csv-encoding utf-8|gbk")
    config = SimConfig(
        residents=residents,
        days=days,
        seed=seed,
        start=first_day,
        format=cast(Literal["parquet", "csv"], fmt),
        blacklist_coverage=blacklist_coverage,
        lead_coverage=lead_coverage,
        csv_encoding=cast(Literal["utf-8", "gbk"], csv_encoding),
        fraud_multiplier=fraud_multiplier,
    )
    summary = simulate(config, out)
    typer.echo(f"wrote {out} in {summary.seconds:.1f} s: {summary.events:,} events")
    for kind, rows in sorted(summary.rows.items()):
        typer.echo(f"  {kind:<14}{rows:>12,}")
    stages = ", ".join(f"{k} {v}" for k, v in summary.stages.items())
    typer.echo(f"  targets: {stages}")
