"""`fanzha serve`, `fanzha users …`, `fanzha audit verify`: the warning desk's commands."""

from __future__ import annotations

from typing import Annotated

import typer
from sqlalchemy.orm import Session, sessionmaker

from fanzha.errors import FanzhaError, WorkflowError
from fanzha.settings import get_settings
from fanzha.store.database import make_engine, session_factory, transaction, upgrade
from fanzha.web.demo import DemoLogin
from fanzha.workflow.roles import Role

users_app = typer.Typer(help="Desk users.", no_args_is_help=True)
audit_app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add the desk's commands to the app."""
    app.command("serve")(serve)
    app.add_typer(users_app, name="users")
    app.add_typer(audit_app, name="audit")


def _factory() -> sessionmaker[Session]:
    url = get_settings().effective_database_url
    engine = make_engine(url)  # creates the data directory of a SQLite store
    upgrade(url)
    return session_factory(engine)


WORKER_HEALTHCHECK_S = 60


def serve(
    host: str = typer.Option("127.0.0.1", help="address to listen on"),
    port: int = typer.Option(8000, help="port"),
    workers: int = typer.Option(1, min=1, help="server processes"),
    demo: bool = typer.Option(False, "--demo", help="seed stations, demo users, route warnings"),
) -> None:
    """Run the warning desk (web pages and JSON API)."""
    import uvicorn

    factory = _factory()
    if demo:
        from fanzha.web.demo import jurisdictions_from_store, seed_demo

        rows = jurisdictions_from_store(get_settings().data_dir)
        print_logins(seed_demo(factory, jurisdictions=rows or None))
    typer.echo(f"desk on http://{host}:{port}/ (Ctrl-C stops)")
    uvicorn.run(
        "fanzha.web.serve:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        # Each worker re-imports the CLI before it can answer the supervisor's health check; on
        # a loaded machine that takes longer than uvicorn's 5 s, and the worker is killed and
        # respawned forever.
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_S,
    )


def print_logins(logins: list[DemoLogin]) -> None:
    """Print demo logins as a table."""
    if not logins:
        typer.echo("demo users exist already (passwords were printed when they were made)")
    for login in logins:
        station = login.station or "-"
        typer.echo(f"  {login.role:<18} {station:<12} {login.username:<20} {login.password}")


@users_app.command("add")
def add_user(
    username: str,
    role: Annotated[Role, typer.Option(help="role")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
    station: Annotated[str, typer.Option(help="station (station officers, grid workers)")] = "",
    name: Annotated[str, typer.Option(help="display name")] = "",
) -> None:
    """Add a desk user."""
    from pydantic import ValidationError

    from fanzha.workflow.user import service
    from fanzha.workflow.user.models import UserCreate

    try:
        data = UserCreate(
            username=username,
            display_name=name or username,
            role=role,
            station_code=station or None,
            password=password,
        )
    except ValidationError as exc:
        raise WorkflowError(exc.errors()[0]["msg"], field=str(exc.errors()[0]["loc"])) from exc
    with transaction(_factory()) as session:
        user = service.create(session=session, data=data)
        typer.echo(f"user {user.username} ({user.role}) created, id {user.id}")


@users_app.command("list")
def list_users() -> None:
    """List desk users."""
    from fanzha.workflow.user import service

    with transaction(_factory()) as session:
        for u in service.list_all(session=session):
            flags = ("" if u.active else " inactive") + ("" if u.on_duty else " off-duty")
            typer.echo(f"{u.id:>4} {u.username:<20} {u.role:<18} {u.station_code or '-'}{flags}")


@users_app.command("passwd")
def set_password(
    username: str,
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
) -> None:
    """Set a user's password (ends the user's sessions)."""
    from fanzha.workflow.user import service

    with transaction(_factory()) as session:
        user = service.get_by_username(session=session, username=username)
        if user is None:
            raise WorkflowError("no such user", username=username)
        service.set_password(session=session, user_id=user.id, password=password)
        typer.echo(f"password of {username} changed")


@audit_app.command("verify")
def verify() -> None:
    """Check the audit chain; report the first tampered record (exit code 1 if any)."""
    from fanzha.workflow.audit import service

    with transaction(_factory()) as session:
        result = service.verify(session=session)
    if not result.ok:
        raise FanzhaError(
            f"audit chain broken at record {result.first_bad_id}: {result.reason}",
            checked=result.checked,
        )
    typer.echo(f"audit chain intact: {result.checked} records")
