"""`fanzha numbers …`: train and apply the fraud-number model, scan the store, review queue."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from sqlalchemy.orm import Session, sessionmaker

from fanzha.core.phone import mask, parse
from fanzha.detection.numbers import scan as scanning
from fanzha.detection.numbers import store_features, tables
from fanzha.detection.numbers.model import FraudNumberModel
from fanzha.settings import get_settings
from fanzha.store.database import make_engine, session_factory, transaction, upgrade
from fanzha.store.event_store import EventStore
from fanzha.workflow.candidate import flows, service

numbers_app = typer.Typer(help="The fraud-number model.", no_args_is_help=True)
review_app = typer.Typer(
    help="Review candidate indicators proposed by the model.", no_args_is_help=True
)

FileIn = Annotated[Path, typer.Option(exists=True, dir_okay=False, readable=True)]


def register(app: typer.Typer) -> None:
    """Add ``numbers`` (and its ``review`` group) to the app."""
    numbers_app.add_typer(review_app, name="review")
    app.add_typer(numbers_app, name="numbers")


@numbers_app.command("train")
def train(
    features: FileIn,
    id_col: Annotated[str, typer.Option(help="column naming the number")],
    label_col: Annotated[str, typer.Option(help="column with 1 = fraud, 0 = normal")],
    out: Annotated[Path, typer.Option(help="model file to write")],
    edges: Annotated[Path | None, typer.Option(exists=True, dir_okay=False)] = None,
    seed: Annotated[int, typer.Option(help="random seed")] = 0,
) -> None:
    """Train on a per-number feature table (and an optional edge list); write the model card."""
    frame, labels = tables.read_feature_table(features, id_col, label_col)
    model = FraudNumberModel(seed=seed).fit(frame, labels, tables.read_edges(edges))
    model.save(out)
    card, _ = model.write_card(out)
    m = model.meta_.metrics
    typer.echo(
        f"{model.version}: out-of-fold AUC {m['roc_auc']:.4f}, F1 {m['f1']:.4f} "
        f"at threshold {model.threshold_:.3f}; card {card}"
    )


@numbers_app.command("score")
def score(
    model: FileIn,
    features: FileIn,
    id_col: Annotated[str, typer.Option(help="column naming the number")],
    out: Annotated[Path, typer.Option(help="CSV to write: id,score,is_fraud")],
    edges: Annotated[Path | None, typer.Option(exists=True, dir_okay=False)] = None,
) -> None:
    """Score a feature table; writes ``id,score,is_fraud`` in input order."""
    fitted = FraudNumberModel.load(model)
    frame, _ = tables.read_feature_table(features, id_col)
    scores = fitted.score(frame, tables.read_edges(edges))
    tables.write_scores(out, frame.index, scores, fitted.threshold_)
    typer.echo(
        f"{len(scores)} numbers scored, {int((scores >= fitted.threshold_).sum())} "
        f"at or above {fitted.threshold_:.3f}"
    )


@numbers_app.command("features")
def features_cmd(
    out: Annotated[Path, typer.Option(help="feature table CSV (id column: phone)")],
    edges_out: Annotated[Path | None, typer.Option(help="also write the call edges")] = None,
    labels: Annotated[
        Path | None,
        typer.Option(
            exists=True,
            dir_okay=False,
            help="CSV with a 'phone' column of fraud numbers "
            "(e.g. ground_truth/fraud_numbers.csv); default: the store's phone indicators",
        ),
    ] = None,
) -> None:
    """Export per-number features from the event store, with a ``label`` column."""
    con = _store().connect(threads=get_settings().threads, memory_limit=get_settings().memory_limit)
    frame = store_features.number_features(con)
    fraud = (
        _label_ids(labels)
        if labels
        else set(store_features.known_fraud_numbers(con)["phone"].astype("int64").astype(str))
    )
    frame["label"] = frame.index.isin(list(fraud)).astype(int)
    out.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(out, index_label="phone")
    if edges_out is not None:
        store_features.call_edges(con).to_csv(edges_out, index=False)
    typer.echo(f"{len(frame)} numbers, {int(frame['label'].sum())} labelled fraud → {out}")


def _label_ids(path: Path) -> set[str]:
    column = pd.read_csv(path, dtype=str)["phone"].dropna()
    return {str(parse(p)) for p in column}


@numbers_app.command("scan")
def scan_cmd(
    model: FileIn,
    propose: Annotated[bool, typer.Option(help="propose suspects for review")] = True,
) -> None:
    """Score every number in the store, write suspected_numbers, propose candidates."""
    settings = get_settings()
    store = _store()
    con = store.connect(threads=settings.threads, memory_limit=settings.memory_limit)
    result = scanning.scan(con, FraudNumberModel.load(model))
    path = scanning.write_suspected(store, result.suspected)
    typer.echo(f"{len(result.scored)} numbers scored, {len(result.suspected)} suspected → {path}")
    if propose:
        activity = scanning.last_activity(con)
        with transaction(_factory()) as session:
            added = flows.propose_suspects(
                session=session,
                suspects=result.suspected,
                scored=result.scored,
                last_activity=activity,
                now=_now(),
            )
        typer.echo(f"{len(added)} candidates in the review queue")


@review_app.command("list")
def review_list(
    status: Annotated[str, typer.Option(help="pending, confirmed, rejected or all")] = "pending",
    limit: Annotated[int, typer.Option(min=1)] = 50,
) -> None:
    """List candidates, highest score first (numbers masked)."""
    with transaction(_factory()) as session:
        rows = service.list_candidates(
            session=session, status=None if status == "all" else status, limit=limit
        )
        for c in rows:
            shown = mask(c.phone) if c.phone is not None else c.value
            typer.echo(
                f"#{c.id}\t{shown}\t{c.score:.3f}\t{c.fraud_type}\t{c.status}\t"
                f"{c.model_version}\t{c.proposed_at:%Y-%m-%d %H:%M}"
            )
    if not rows:
        typer.echo("no candidates")


@review_app.command("confirm")
def review_confirm(
    candidate_id: int,
    by: Annotated[str, typer.Option(help="who confirms (recorded with the entry)")],
    expiry_days: Annotated[int, typer.Option(min=1)] = flows.DEFAULT_EXPIRY_DAYS,
    note: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Confirm: the number becomes a blacklist entry with provenance and expiry."""
    with transaction(_factory()) as session:
        c = flows.confirm(
            session=session,
            store=_store(),
            candidate_id=candidate_id,
            by=by,
            now=_now(),
            expiry_days=expiry_days,
            note=note,
        )
        typer.echo(f"#{c.id} confirmed; indicator valid to {c.valid_to:%Y-%m-%d}")


@review_app.command("reject")
def review_reject(
    candidate_id: int,
    by: Annotated[str, typer.Option(help="who rejects")],
    note: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Reject: not proposed again unless the number shows newer activity."""
    with transaction(_factory()) as session:
        c = flows.reject(session=session, candidate_id=candidate_id, by=by, now=_now(), note=note)
        typer.echo(f"#{c.id} rejected")


def _store() -> EventStore:
    return EventStore(get_settings().data_dir)


def _factory() -> sessionmaker[Session]:
    url = get_settings().effective_database_url
    engine = make_engine(url)
    upgrade(url)
    return session_factory(engine)


def _now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)
