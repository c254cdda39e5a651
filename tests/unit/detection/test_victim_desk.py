"""Training the victim model on desk outcomes: the label table, refusal, no leakage."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from fanzha.detection.victim.checkpoints import WarningSnapshot
from fanzha.detection.victim.desk import (
    MIN_PER_CLASS,
    DeskLabel,
    issue_checkpoints,
    label_counts,
    train_from_desk,
)
from fanzha.detection.victim.features import victim_features
from fanzha.errors import ConfigError
from fanzha.workflow.outcome.labels import VICTIM_LABEL, victim_label
from fanzha.workflow.outcome.models import CATEGORIES, Category
from tests.unit.detection.factory import StoreBuilder, at

VICTIM, FRAUD = 8613800000001, 8617000000009
APP, HOST, MULE = "com.rare.loan", "rare-loan.example", "MULE"


def test_every_outcome_code_has_a_victim_label() -> None:
    assert set(VICTIM_LABEL) == set(Category) == set(CATEGORIES)
    assert set(VICTIM_LABEL.values()) == {0, 1, None}
    assert victim_label("dissuaded") == 1 and victim_label("mismatch") == 0
    assert victim_label("not_reached") is None and victim_label("no-such-code") is None


def _snapshot(key: str = "1") -> WarningSnapshot:
    reasons = [
        {"time": at(0).isoformat(sep=" "), "kind": "indicator_call", "counterpart": FRAUD,
         "score_after": 1.5, "level_after": 1},
        {"time": at(90).isoformat(sep=" "), "kind": "remote_app_after_contact",
         "counterpart": None, "score_after": 6.0, "level_after": 3},
        {"time": at(600).isoformat(sep=" "), "kind": "new_payee_after_contact",
         "counterpart": None, "score_after": 9.0, "level_after": 4},
    ]  # fmt: skip
    return WarningSnapshot(
        key, "PV", VICTIM, at(0), at(90), at(600), "impersonate_police", 4, 9.0, reasons
    )


def _labels(engaged: int, cold: int, unusable: int = 0) -> list[DeskLabel]:
    codes = [("dissuaded", 1)] * engaged + [("mismatch", 0)] * cold
    codes += [("not_reached", None)] * unusable
    return [DeskLabel(_snapshot(str(i)), c, lab) for i, (c, lab) in enumerate(codes)]


def test_training_refuses_too_few_labels_of_a_class() -> None:
    labels = _labels(MIN_PER_CLASS - 1, 50, unusable=40)
    with duckdb.connect() as con, pytest.raises(ConfigError, match="too few to train"):
        train_from_desk(con, labels)
    assert label_counts(labels) == {"mismatch": 50, "not_reached": 40, "dissuaded": 9}


def _window(builder: StoreBuilder) -> StoreBuilder:
    builder.resident("PV", VICTIM, birth_year=1990)
    builder.call(FRAUD, VICTIM, 0, 900).call(VICTIM, FRAUD, 30, 120)
    builder.add("app_events", phone=VICTIM, time=at(40), package=APP, event="install")
    builder.add("url_visits", phone=VICTIM, time=at(45), url=f"https://{HOST}/a", host=HOST)
    builder.add(
        "transfers", payer_phone=VICTIM, payer_account="A1", payee_account=MULE,
        amount=5000.0, time=at(60), channel="mobile_bank",
    )  # fmt: skip
    return builder


def _later(builder: StoreBuilder) -> None:
    """After the checkpoint (at(90)): what would make the app, host and payee common, the
    fraud line's reach larger and the victim's own activity heavier."""
    builder.call(VICTIM, FRAUD, 200, 600)
    for i in range(30):
        other = 8613900000000 + i
        builder.call(FRAUD, other, 100 + i, 30)
        builder.add("app_events", phone=other, time=at(100 + i), package=APP, event="install")
        builder.add("url_visits", phone=other, time=at(100 + i), url=f"https://{HOST}/", host=HOST)
        builder.add(
            "transfers", payer_phone=other, payer_account=f"B{i}", payee_account=MULE,
            amount=100.0, time=at(100 + i), channel="mobile_bank",
        )  # fmt: skip


def test_issue_checkpoint_features_do_not_see_later_events(builder: StoreBuilder) -> None:
    ck = issue_checkpoints([_snapshot()])
    assert ck["as_of"].tolist() == [at(90)] and ck["n_signals"].tolist() == [2]
    assert ck["level"].tolist() == [3]  # the later 紧急 signal is not seen
    before = victim_features(_window(builder).write().connect(threads=1), ck)
    assert before.loc[0, ["rare_installs", "rare_hosts", "rare_payees"]].tolist() == [1, 1, 1]
    assert before.loc[0, "cp_reach"] == 1
    _later(builder)
    after = victim_features(builder.write().connect(threads=1), ck)
    pd.testing.assert_frame_equal(before, after)
