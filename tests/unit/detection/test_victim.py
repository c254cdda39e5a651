"""Victim features from a hand-built store, checkpoints and explanations."""

from __future__ import annotations

import numpy as np
import pytest

from fanzha.detection.victim.checkpoints import WarningSnapshot, checkpoint_frame
from fanzha.detection.victim.explain import explain_words
from fanzha.detection.victim.features import FEATURES, victim_features
from tests.unit.detection.factory import StoreBuilder, at

VICTIM, COLD, FRAUD = 8613800000001, 8613800000002, 8617000000009


def snapshot(key: str, rid: str, phone: int, last: float, kinds: list[str]) -> WarningSnapshot:
    reasons = [
        {
            "time": at(0).isoformat(sep=" "),
            "kind": kinds[0],
            "counterpart": FRAUD,
            "score_after": 1.5,
            "level_after": 1,
        },
        *[
            {
                "time": at(last).isoformat(sep=" "),
                "kind": k,
                "counterpart": None,
                "score_after": 6.0,
                "level_after": 3,
            }
            for k in kinds[1:]
        ],
    ]
    return WarningSnapshot(
        key,
        rid,
        phone,
        at(0),
        at(0),
        at(last),
        "fake_customer_service",
        3 if len(kinds) > 1 else 1,
        6.0,
        reasons,
    )


@pytest.fixture
def store(builder: StoreBuilder) -> StoreBuilder:
    builder.resident("PV", VICTIM, birth_year=1990, gender="M", occupation="worker")
    builder.resident("PC", COLD)
    builder.call(FRAUD, VICTIM, 0, 900).call(VICTIM, FRAUD, 30, 120)
    for i in range(5):
        builder.call(FRAUD, 8613900000000 + i, i, 0)
    builder.add("sms", sender=FRAUD, receiver=COLD, time=at(0), text="退款请回电")
    builder.add(
        "app_events",
        phone=VICTIM,
        time=at(40),
        package="com.anydesk.anydeskandroid",
        event="install",
    )
    builder.add(
        "transfers",
        payer_phone=VICTIM,
        payer_account="A1",
        payee_account="MULE",
        amount=5000.0,
        time=at(60),
        channel="mobile_bank",
    )
    builder.add(
        "transfers",
        payer_phone=VICTIM,
        payer_account="A1",
        payee_account="MULE",
        amount=9000.0,
        time=at(300),
        channel="mobile_bank",
    )  # after the checkpoint
    builder.add(
        "transfers",
        payer_phone=VICTIM,
        payer_account="A1",
        payee_account=None,
        amount=2000.0,
        time=at(70),
        channel="atm_withdrawal",
    )
    return builder


def test_victim_features_describe_engagement_inside_the_window(store: StoreBuilder) -> None:
    con = store.write().connect(threads=1)
    snaps = [
        snapshot("v", "PV", VICTIM, 90, ["indicator_call", "remote_app_after_contact"]),
        snapshot("c", "PC", COLD, 0, ["indicator_sms"]),
    ]
    ck = checkpoint_frame(snaps, every_signal=False)
    feats = victim_features(con, ck)
    assert list(feats.columns) == list(FEATURES)
    v, c = feats.loc[0], feats.loc[1]
    assert v["cp_calls"] == 2 and v["cp_callbacks"] == 1 and v["cp_max_minutes"] == 15.0
    assert v["cp_reach"] == 6  # the fraud line called six numbers
    assert v["remote_installs"] == 1 and v["rare_installs"] == 1
    assert v["transfers"] == 1 and v["new_payees"] == 1 and v["transfer_amount"] == 5000.0
    assert v["withdrawals"] == 1 and v["withdrawn"] == 2000.0
    assert v["age"] == 36 and v["male"] == 1 and v["sig_remote_app_after_contact"] == 1
    assert c["cp_calls"] == 0 and c["cp_sms"] == 1 and c["transfers"] == 0
    assert np.isnan(feats["fraud_type"]).sum() == 0


def test_victim_checkpoints_replay_every_signal_without_the_future(store: StoreBuilder) -> None:
    con = store.write().connect(threads=1)
    snap = snapshot("v", "PV", VICTIM, 90, ["indicator_call", "remote_app_after_contact"])
    ck = checkpoint_frame([snap], every_signal=True)
    assert list(ck["as_of"]) == [at(0), at(90)]
    assert ck["kinds"].tolist() == [
        ["indicator_call"],
        ["indicator_call", "remote_app_after_contact"],
    ]
    assert ck["level"].tolist() == [1, 3]
    feats = victim_features(con, ck)
    assert feats.loc[0, "transfers"] == 0 and feats.loc[0, "remote_installs"] == 0
    assert feats.loc[1, "transfers"] == 1


def test_victim_features_empty_input_gives_empty_table(store: StoreBuilder) -> None:
    con = store.write().connect(threads=1)
    assert victim_features(con, checkpoint_frame([], every_signal=True)).empty


def test_victim_explanations_are_words_with_direction() -> None:
    words = explain_words([("cp_callbacks", 1.2), ("age", -0.4)], {"cp_callbacks": 1.0, "age": 70})
    assert words[0]["zh"].startswith("居民回拨可疑号码") and "升高" in words[0]["zh"]
    assert "lowers" in words[1]["en"] and words[1]["value"] == 70.0
