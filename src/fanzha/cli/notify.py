"""`fanzha notify run|status|group|broadcast|relay|receipts`: outreach sends and groups."""

from __future__ import annotations

import datetime as dt
import getpass
import signal
import threading
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from fanzha.cli.common import DatabaseOption, settings_with
from fanzha.errors import ConfigError
from fanzha.notify.dispatcher import DispatchCounts
from fanzha.notify.outbox import AuditNote
from fanzha.settings import Settings
from fanzha.store.database import make_engine, session_factory, transaction, upgrade

if TYPE_CHECKING:
    from fanzha.notify.dispatcher import Dispatcher
    from fanzha.workflow.tier.outreach import OutreachReport

notify_app = typer.Typer(
    help="Outreach: automated warnings and broadcast groups.", no_args_is_help=True
)
group_app = typer.Typer(help="Broadcast groups (school, grade, community).", no_args_is_help=True)
notify_app.add_typer(group_app, name="group")


def register(app: typer.Typer) -> None:
    """Add the notify commands to the app."""
    app.add_typer(notify_app, name="notify")


def _factory(settings: Settings) -> sessionmaker[Session]:
    url = settings.effective_database_url
    engine = make_engine(url)
    upgrade(url)
    return session_factory(engine)


def audit_hook(session: Session, notes: Sequence[AuditNote]) -> None:
    """Every send and receipt into the workflow's hash-chained audit log (same transaction)."""
    from fanzha.workflow.broadcast.desk import audit_hook as hook  # the desk's, too

    hook(session, notes)


def _now(settings: Settings) -> dt.datetime:
    from fanzha.workflow.clock import local_now

    return local_now(settings.timezone)


@notify_app.command("run")
def run(
    forever: Annotated[
        bool, typer.Option("--forever", help="keep running (until SIGTERM)")
    ] = False,
    receipt_wait: Annotated[
        float, typer.Option(help="with --until-idle: stop after this long with nothing moving")
    ] = 30.0,
    channels_file: Annotated[
        Path | None, typer.Option(help="channels JSON (default FANZHA_NOTIFY_CHANNELS_FILE)")
    ] = None,
    warnings: Annotated[
        bool,
        typer.Option(
            "--warnings/--no-warnings",
            help="first queue an SMS for every automated-tier warning and a robot call for "
            "every assisted one, and escalate the tier of those not reached or not confirmed",
        ),
    ] = True,
    no_audit: Annotated[bool, typer.Option("--no-audit", help="benchmarks only")] = False,
    database_url: str | None = DatabaseOption,
) -> None:
    """Send the outbox: claim due rows, send with retries and rate limits, record receipts.

    Without --forever it returns when nothing due is left: a contact queued for a later time
    (a repeated robot call an hour after the first) is reported as waiting and sent by the
    first run (or the --forever service) after its time."""
    settings = settings_with(None, database_url)
    path = channels_file or settings.notify_channels_file
    if path is None:
        raise ConfigError("no channels: set FANZHA_NOTIFY_CHANNELS_FILE or --channels-file")
    factory = _factory(settings)
    dispatcher = make_dispatcher(settings, factory, path, audit=not no_audit)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        counts = DispatchCounts()
        if warnings and not forever:
            report = reach_warnings(settings, factory, dispatcher, receipt_wait, counts)
            if report is not None:
                typer.echo(outreach_summary(report))
        counts.add(
            vars(dispatcher.run(until_idle=not forever, stop=stop, receipt_wait=receipt_wait))
        )
        waiting, first = dispatcher.waiting()
    finally:
        dispatcher.close()
    typer.echo(
        f"sent {counts.sent}, retry {counts.retry}, failed {counts.failed}, "
        f"held {counts.held}, receipts {counts.receipts}"
        + (f", cancelled {counts.cancelled}" if counts.cancelled else "")
        + (f"; {waiting} waiting until {first:%Y-%m-%d %H:%M}" if waiting and first else "")
    )


def make_dispatcher(
    settings: Settings, factory: sessionmaker[Session], path: Path, *, audit: bool = True
) -> Dispatcher:
    """A dispatcher over the channels of ``path`` with the settings' batch, lease and retries."""
    from fanzha.notify import config, outbox
    from fanzha.notify.dispatcher import Dispatcher
    from fanzha.workflow.tier.outreach import unwanted_calls

    channels, limiters = config.build(config.load_specs(path))
    return Dispatcher(
        factory,
        channels,
        limiters,
        audit=audit_hook if audit else outbox.no_audit,
        batch_size=settings.notify_batch_size,
        lease=dt.timedelta(seconds=settings.notify_lease_seconds),
        policy=outbox.RetryPolicy(settings.notify_max_attempts, settings.notify_retry_seconds),
        clock=lambda: _now(settings),
        prune=unwanted_calls,
    )


def reach_warnings(
    settings: Settings,
    factory: sessionmaker[Session],
    dispatcher: Dispatcher,
    receipt_wait: float = 30.0,
    counts: DispatchCounts | None = None,
) -> OutreachReport | None:
    """Contact the automated/assisted warnings, send until idle (adding what was sent to
    ``counts``), escalate the unreached; None when no outreach channel is configured."""
    from fanzha.workflow.tier.outreach import OutreachChannels, run_outreach
    from fanzha.workflow.tier.rules import load_tier_rules

    sms, voice = settings.outreach_sms_channel or None, settings.outreach_voice_channel or None
    for name, tier, setting in ((sms, "automated", "SMS"), (voice, "assisted", "VOICE")):
        if name is not None and name not in dispatcher.channels:
            typer.echo(
                f"no channel {name!r} in the channels file: {tier}-tier warnings get no "
                f"contact (set FANZHA_OUTREACH_{setting}_CHANNEL)",
                err=True,
            )
    channels = OutreachChannels(
        sms if sms in dispatcher.channels else None,
        voice if voice in dispatcher.channels else None,
    )
    if channels.sms is None and channels.voice is None:
        return None
    total = counts if counts is not None else DispatchCounts()
    return run_outreach(
        factory,
        lambda: total.add(vars(dispatcher.run(until_idle=True, receipt_wait=receipt_wait))),
        load_tier_rules(settings.tier_rules_file),
        channels,
        lambda: _now(settings),
    )


def outreach_summary(report: OutreachReport) -> str:
    """One line: contacts queued, their outcomes, escalations."""

    def fmt(counts: Counter[str]) -> str:
        return ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "none"

    line = (
        f"warnings contacted: {fmt(report.queued)}; outcomes: {fmt(report.outcomes)}; "
        f"escalated to: {fmt(report.escalated)}"
    )
    if report.scheduled:
        line += f"; repeated calls queued for later: {fmt(report.scheduled)}"
    return line


@notify_app.command("status")
def status(database_url: str | None = DatabaseOption) -> None:
    """Outbox rows per channel and status."""
    from fanzha.notify.models import OutboxRow

    settings = settings_with(None, database_url)
    with _factory(settings)() as session:
        rows = session.execute(
            select(OutboxRow.channel, OutboxRow.status, func.count())
            .group_by(OutboxRow.channel, OutboxRow.status)
            .order_by(OutboxRow.channel, OutboxRow.status)
        )
        for channel, state, count in rows:
            typer.echo(f"  {channel:<12} {state:<10} {count:>10,}")


@group_app.command("add")
def group_add(
    name: Annotated[str, typer.Option(help="unique group name")],
    area: Annotated[str, typer.Option(help="district or street code")],
    audience: Annotated[str, typer.Option(help="teachers, parents or residents")],
    robot: Annotated[str, typer.Option(help="wecom or dingtalk")],
    webhook: Annotated[str, typer.Option(help="the robot's webhook URL")],
    secret: Annotated[str | None, typer.Option(help="DingTalk signing secret")] = None,
    school: Annotated[str | None, typer.Option()] = None,
    grade: Annotated[str | None, typer.Option()] = None,
    community: Annotated[str | None, typer.Option()] = None,
    database_url: str | None = DatabaseOption,
) -> None:
    """Register a group bound to a chat-robot webhook."""
    from fanzha.notify import broadcast

    settings = settings_with(None, database_url)
    spec = broadcast.GroupSpec(
        name, area, audience, robot, webhook, secret, school, grade, community
    )
    with transaction(_factory(settings)) as session:
        group = broadcast.add_group(session, spec, _now(settings))
        typer.echo(f"group {group.id} {group.name}")


@group_app.command("list")
def group_list(
    area: Annotated[str | None, typer.Option()] = None,
    audience: Annotated[str | None, typer.Option()] = None,
    database_url: str | None = DatabaseOption,
) -> None:
    """Active groups (webhooks not shown: they hold the robot's key)."""
    from fanzha.notify import broadcast

    settings = settings_with(None, database_url)
    with _factory(settings)() as session:
        for g in broadcast.groups(session, area=area, audience=audience):
            where = " / ".join(x for x in (g.school, g.grade, g.community) if x)
            typer.echo(
                f"  {g.id:>5} {g.name:<30} {g.area:<10} {g.audience:<9} {g.robot:<8} {where}"
            )


@notify_app.command("broadcast")
def push(
    fraud_type: Annotated[str, typer.Option(help="fraud type code or Chinese name")],
    area: Annotated[str, typer.Option(help="district or street code")],
    audience: Annotated[str, typer.Option(help="teachers, parents or residents")],
    kind: Annotated[str, typer.Option(help="warning or script_alert")] = "script_alert",
    script: Annotated[str | None, typer.Option(help="the new script (no numbers/links)")] = None,
    warning_id: Annotated[int | None, typer.Option()] = None,
    school: Annotated[str | None, typer.Option()] = None,
    grade: Annotated[str | None, typer.Option()] = None,
    community: Annotated[str | None, typer.Option()] = None,
    language: Annotated[str, typer.Option(help="zh or en")] = "zh",
    database_url: str | None = DatabaseOption,
) -> None:
    """Queue an alert to every matching group (sent by `fanzha notify run`; audited)."""
    from fanzha.core import fraud_types
    from fanzha.notify import broadcast

    try:
        code = fraud_types.parse(fraud_type)
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc
    settings = settings_with(None, database_url)
    actor = f"cli:{getpass.getuser()}"
    request = broadcast.PushRequest(
        kind, code, area, audience, actor, language, script, warning_id, school, grade, community
    )
    now = _now(settings)
    with transaction(_factory(settings)) as session:
        item, count = broadcast.push(session, request, now)
        audit_hook(
            session,
            [
                AuditNote(
                    "notify.broadcast",
                    "broadcast",
                    str(item.id),
                    now,
                    {
                        "actor": actor,
                        "area": area,
                        "audience": audience,
                        "groups": count,
                        "kind": kind,
                        "fraud_type": code,
                    },
                )
            ],
        )
    typer.echo(f"broadcast {item.id}: queued to {count} groups")


@notify_app.command("relay")
def relay(
    broadcast_id: Annotated[int, typer.Option("--broadcast")],
    group_id: Annotated[int, typer.Option("--group")],
    by: Annotated[str, typer.Option(help="who relayed it (role and name)")],
    reach: Annotated[int | None, typer.Option(help="people it was passed to")] = None,
    database_url: str | None = DatabaseOption,
) -> None:
    """Record that someone in a group passed a broadcast on."""
    from fanzha.notify import broadcast

    settings = settings_with(None, database_url)
    now = _now(settings)
    with transaction(_factory(settings)) as session:
        row = broadcast.relay(session, broadcast_id, group_id, by, reach, now)
        audit_hook(
            session,
            [
                AuditNote(
                    "notify.relay",
                    "broadcast",
                    str(broadcast_id),
                    now,
                    {"group": group_id, "relay": row.id, "reach": reach},
                )
            ],
        )
    typer.echo(f"relay recorded for broadcast {broadcast_id}, group {group_id}")


@notify_app.command("receipts")
def receipts(
    broadcast_id: Annotated[int, typer.Argument()],
    database_url: str | None = DatabaseOption,
) -> None:
    """Per-group receipts and relays of a broadcast."""
    from fanzha.notify import broadcast

    settings = settings_with(None, database_url)
    with _factory(settings)() as session:
        for r in broadcast.receipts(session, broadcast_id):
            sent = f"{r.sent_at:%Y-%m-%d %H:%M}" if r.sent_at else "-"
            typer.echo(
                f"  {r.group_id:>5} {r.group:<30} {r.status:<9} {sent:<16} "
                f"relayed {r.relays} (reach {r.reach})"
            )
