"""The cascade on the public data and on the own-script set: floors at the measured level.

Targets (issue 12): macro-F1 ≥ 0.99, normal FPR ≤ 0.5 %, recall ≥ 0.90 on unseen types. The
measured figures (docs/models.md) are macro-F1 0.979, FPR 0.495 %, unseen-type recall 0.798
(0.702 before the neighbour vote of stage 2):
the tests hold those levels (less a small margin) so a regression fails, and the FPR target,
which is met, is held as it stands.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from fanzha.core.fraud_types import NORMAL
from fanzha.detection.text.cascade import CascadeTextClassifier
from fanzha.detection.text.classifier import canonical_label
from fanzha.detection.text.metrics import generalisation, protocol_split, verdict_metrics
from tests.unit.models.factories import DATA, shared_path

pytestmark = [pytest.mark.shared_data, pytest.mark.slow]

UNSEEN_TYPES = {"task_rebate", "fake_investment", "fake_shopping", "fake_loan", "fake_credit"}
UNSEEN_TYPES |= {"romance", "game_trade"}


@pytest.fixture(scope="module")
def trained() -> dict[str, object]:
    """The cascade trained on the protocol's 80 % (about a minute of encoding on one core)."""
    data = pd.read_csv(shared_path("fraud-texts", "train.csv"), dtype=str, keep_default_na=False)
    test = protocol_split(data["label"].tolist())
    texts, labels = data["text"].tolist(), [canonical_label(x) for x in data["label"]]
    rows = np.flatnonzero(~test)
    model = CascadeTextClassifier().fit([texts[i] for i in rows], [labels[i] for i in rows])
    held = np.flatnonzero(test)
    return {
        "model": model,
        "texts": [texts[i] for i in held],
        "labels": [labels[i] for i in held],
    }


def test_cascade_protocol_macro_f1_and_normal_fpr(trained: dict[str, object]) -> None:
    model = trained["model"]
    assert isinstance(model, CascadeTextClassifier)
    metrics, _ = verdict_metrics(trained["labels"], model.predict(trained["texts"]))  # type: ignore[arg-type]
    assert metrics["macro_f1"] >= 0.972, f"macro-F1 {metrics['macro_f1']:.4f} (measured 0.979)"
    assert metrics["normal_false_positive_rate"] <= 0.005


def test_cascade_routes_a_small_share(trained: dict[str, object]) -> None:
    model = trained["model"]
    assert isinstance(model, CascadeTextClassifier)
    share = float(model.route(trained["texts"]).mean())  # type: ignore[arg-type]
    assert 0.001 < share < 0.05, f"routed {share:.2%}"


def test_cascade_recalls_unseen_types_of_own_scripts(trained: dict[str, object]) -> None:
    frame = pd.read_csv(DATA / "generalisation.csv")
    unseen = frame[frame["label"].isin(UNSEEN_TYPES) | (frame["label"] == NORMAL)]
    model = trained["model"]
    assert isinstance(model, CascadeTextClassifier)
    m = generalisation(model, unseen["text"].tolist(), unseen["label"].tolist())
    assert m["fraud_recall"] >= 0.75, f"unseen-type recall {m['fraud_recall']:.3f} (0.798)"
    assert m["normal_false_positive_rate"] <= 0.11, "hard normals flagged (measured 3 of 46)"
