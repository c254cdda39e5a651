"""Models trained once per session on the public data (skipped when it is absent)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from fanzha.detection.numbers.model import FraudNumberModel
from fanzha.detection.text.classifier import ScamTextClassifier
from tests.unit.models.factories import shared_path


@pytest.fixture(scope="session")
def sichuan() -> dict[str, object]:
    """The Sichuan data split by row order (last 20 % held out) and a model on the first 80 %."""
    table = pd.read_csv(shared_path("sichuan", "train.csv"), dtype={"phone_no_m": str})
    edges = pd.read_csv(shared_path("sichuan", "edges.csv"), dtype=str)
    table = table.set_index("phone_no_m")
    cut = int(len(table) * 0.8)
    train, test = table.iloc[:cut], table.iloc[cut:]
    model = FraudNumberModel().fit(train.drop(columns="label"), train["label"], edges)
    return {"model": model, "test": test, "edges": edges}


@pytest.fixture(scope="session")
def fraud_texts() -> dict[str, object]:
    """The fraud-text data split 80/20 (stratified, seed 0) and a classifier on the 80 %."""
    data = pd.read_csv(shared_path("fraud-texts", "train.csv"), dtype=str, keep_default_na=False)
    rng = np.random.default_rng(0)
    test_mask = np.zeros(len(data), dtype=bool)
    for label in data["label"].unique():
        rows = np.flatnonzero(data["label"].to_numpy() == label)
        test_mask[rng.choice(rows, size=round(len(rows) * 0.2), replace=False)] = True
    train, test = data[~test_mask], data[test_mask]
    model = ScamTextClassifier().fit(train["text"].tolist(), train["label"].tolist())
    return {"model": model, "test": test, "all": data}
