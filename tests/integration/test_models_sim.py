"""The fraud-number model on a simulated city: store features → training → scan → review queue."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from fanzha.core.phone import parse
from fanzha.detection.numbers import scan, store_features
from fanzha.detection.numbers.model import FraudNumberModel
from fanzha.ingest.pipeline import ingest_files
from fanzha.sim import SimConfig, simulate
from fanzha.store.database import make_engine, session_factory, transaction, upgrade
from fanzha.store.event_store import EventStore
from fanzha.workflow.candidate import flows, service

pytestmark = [pytest.mark.integration, pytest.mark.slow]
KINDS = ("residents", "indicators", "calls", "sms", "url_visits", "app_events", "transfers")


@pytest.fixture(scope="module")
def city_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[EventStore, Path]:
    root = tmp_path_factory.mktemp("models_city")
    simulate(SimConfig(residents=4000, days=2, seed=11, fraud_multiplier=100), root / "city")
    store = EventStore(root / "var")
    for kind in KINDS:
        files = sorted((root / "city" / kind).glob("*.parquet"))
        ingest_files(kind, files, store, pseudonym_key="test-key", threads=1)
    return store, root / "city" / "ground_truth" / "fraud_numbers.csv"


def test_models_sim_number_model_finds_simulated_fraud_numbers(
    city_store: tuple[EventStore, Path], tmp_path: Path
) -> None:
    store, truth_path = city_store
    con = store.connect(threads=1)
    features = store_features.number_features(con)
    truth = {str(parse(p)) for p in pd.read_csv(truth_path, dtype=str)["phone"]}
    labels = features.index.isin(list(truth)).astype(int)
    assert labels.sum() >= 20
    model = FraudNumberModel(seed=0).fit(features, labels, store_features.call_edges(con))
    assert model.meta_.metrics["roc_auc"] >= 0.9
    result = scan.scan(con, model)
    path = scan.write_suspected(store, result.suspected)
    found = store.connect(threads=1).execute("SELECT count(*) FROM suspected_numbers").fetchone()
    assert path.exists() and found is not None and found[0] == len(result.suspected)
    url = f"sqlite:///{tmp_path / 'wf.db'}"
    upgrade(url)
    factory = session_factory(make_engine(url))
    with transaction(factory) as session:
        added = flows.propose_suspects(
            session=session,
            suspects=result.suspected,
            scored=result.scored,
            last_activity=scan.last_activity(con),
            now=dt.datetime(2030, 1, 1),
        )
        assert len(added) == len(result.suspected)
        assert len(service.list_candidates(session=session)) == min(len(added), 100)
