"""``fanzha publicity plan|effect|simulate``: where to send the volunteers, whether a campaign
worked, and a simulated year to check the measure against a known effect."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer
from sqlalchemy import select
from sqlalchemy.orm import Session

from fanzha.cli.common import DatabaseOption, DataDirOption, console, settings_with
from fanzha.errors import ConfigError, NotFoundError
from fanzha.reporting.effect import Estimate, Window, comparable, difference_in_differences
from fanzha.reporting.registry import RegistryDemographics, resident_ids
from fanzha.reporting.riskmap import RiskRow, load_rows, month_of
from fanzha.reporting.targeting import Plan, add_months, suggest_plan
from fanzha.settings import Settings
from fanzha.sim.publicity import PublicityConfig, simulate_publicity
from fanzha.sim.publicity_store import write_publicity
from fanzha.store.database import make_engine, session_factory, upgrade
from fanzha.store.event_store import EventStore
from fanzha.workflow.campaign.models import Audience, Campaign
from fanzha.workflow.clock import local_now
from fanzha.workflow.station.models import Community

publicity_app = typer.Typer(help="Publicity: targeting, effect, simulation.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add ``fanzha publicity …``."""
    app.add_typer(publicity_app, name="publicity")


def print_plan(plan: Plan) -> None:
    """The headline, then each community with its reasons."""
    console.print(plan.headline_zh, markup=False)
    console.print(plan.headline_en, markup=False)
    for row in plan.rows:
        for reason in row.reasons:
            console.print(f"    {reason}", markup=False)


def print_estimates(estimates: list[Estimate]) -> None:
    """One line per measure with the four counts, then the plain statement."""
    for e in estimates:
        console.print(
            f"  {e.measure:<9} targeted {e.targeted_before:>10,} → {e.targeted_after:>10,} · "
            f"comparison {e.comparison_before:>10,} → {e.comparison_after:>10,}",
            markup=False,
        )
        console.print(f"    {e.statement}", markup=False)


def _rows(
    session: Session, settings: Settings, since: dt.datetime, until: dt.datetime
) -> list[RiskRow]:
    """The risk map of the period, with ages and occupations from the resident registry
    when the event store has one."""
    store = EventStore(settings.data_dir) if settings.data_dir.is_dir() else None
    ids = resident_ids(session=session, since=since, until=until)
    people = RegistryDemographics(store, ids, until.year)
    return load_rows(session=session, since=since, until=until, demographics=people)


def _communities(session: Session) -> dict[str, str]:
    return {c.code: c.station_code for c in session.scalars(select(Community))}


@publicity_app.command("plan")
def plan_command(
    month: str = typer.Option("", help="the month to plan, YYYY-MM (default: next month)"),
    lookback: int = typer.Option(3, help="months of the risk map to rank by"),
    top: int = typer.Option(5, help="communities in the plan"),
    data_dir: Path = DataDirOption,
    database_url: str = DatabaseOption,
) -> None:
    """Suggest next month's audience, communities and fraud scripts, with the reasons."""
    settings = settings_with(data_dir, database_url)
    target = _month(month) if month else add_months(month_of(local_now(settings.timezone)), 1)
    factory = session_factory(make_engine(settings.effective_database_url))
    since = dt.datetime.combine(add_months(target, -2 * lookback), dt.time())
    with factory() as session:
        rows = _rows(session, settings, since, dt.datetime.combine(target, dt.time()))
    print_plan(suggest_plan(rows, month=target, lookback=lookback, top=top))


def _month(text: str) -> dt.date:
    try:
        return month_of(dt.date.fromisoformat(text + "-01"))
    except ValueError as exc:
        raise ConfigError("a month is YYYY-MM", month=text) from exc


@publicity_app.command("effect")
def effect_command(
    campaign: str = typer.Argument(..., help="the campaign's code"),
    before: int = typer.Option(3, help="baseline months"),
    after: int = typer.Option(3, help="months from the campaign's start"),
    gap: int = typer.Option(3, help="months between baseline and start (the planning months)"),
    whole: bool = typer.Option(False, help="all residents, not only the campaign's audience"),
    data_dir: Path = DataDirOption,
    database_url: str = DatabaseOption,
) -> None:
    """Difference in differences: the campaign's communities against comparable ones."""
    settings = settings_with(data_dir, database_url)
    factory = session_factory(make_engine(settings.effective_database_url))
    with factory() as session:
        found = session.scalar(select(Campaign).where(Campaign.code == campaign))
        if found is None:
            raise NotFoundError("no such campaign", code=campaign)
        window = Window(month_of(found.starts_on), before=before, after=after, gap=gap)
        since = add_months(window.start, -before - gap)
        rows = _rows(
            session,
            settings,
            dt.datetime.combine(since, dt.time()),
            dt.datetime.combine(add_months(window.start, after), dt.time()),
        )
        everyone = list(_communities(session))
    audience = None if whole else Audience(found.audience)
    targeted = set(found.areas)
    comparison = comparable(rows, targeted, window=window, audience=audience, communities=everyone)
    print_estimates(
        difference_in_differences(
            rows, targeted=targeted, comparison=comparison, window=window, audience=audience
        )
    )


@publicity_app.command("simulate")
def simulate_command(
    effect: float = typer.Option(0.3, help="true drop in susceptibility of the reached (0–1)"),
    seed: int = typer.Option(1, help="same seed, same year"),
    database_url: str = DatabaseOption,
) -> None:
    """Simulate a year with a planned campaign; write teams, volunteers, campaign and events
    into the store (over its communities) and check the effect measure against the truth."""
    if not 0 <= effect < 1:
        raise ConfigError("--effect must be in [0, 1)", effect=effect)
    settings = settings_with(database_url=database_url)
    url = settings.effective_database_url
    upgrade(url)
    factory = session_factory(make_engine(url))
    with factory() as session:
        stations = _communities(session)
    first = add_months(month_of(local_now(settings.timezone)), -11)
    config = PublicityConfig(true_effect=effect, seed=seed, first_month=first)
    sim = simulate_publicity(config, names=sorted(stations) if len(stations) >= 20 else None)
    summary = write_publicity(factory, sim, stations=stations)
    console.print(
        f"[green]✓[/] teams {summary.teams:,} · volunteers {summary.volunteers:,} · "
        f"events {summary.events:,} · findings {summary.findings:,}"
    )
    print_plan(sim.plan)
    window = Window(sim.start, before=3, after=config.months - config.start, gap=3)
    targeted = set(sim.plan.communities)
    comparison = comparable(
        sim.rows, targeted, window=window, audience=sim.plan.audience, communities=sim.communities
    )
    console.print(
        "true effect in the audience: "
        + ", ".join(f"{k} {v * 100:+.1f}%" for k, v in sim.truth.items())
    )
    print_estimates(
        difference_in_differences(
            sim.rows,
            targeted=targeted,
            comparison=comparison,
            window=window,
            audience=sim.plan.audience,
        )
    )
