"""The shared battery every learned detector must pass (the estimator contract)."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from fanzha.detection.estimator import Estimator
from fanzha.detection.numbers.model import FraudNumberModel
from fanzha.detection.text import TextScorer, load_scorer
from fanzha.detection.text.cascade import CascadeTextClassifier
from fanzha.detection.text.classifier import ScamTextClassifier
from fanzha.detection.victim.model import VictimRiskModel
from tests.unit.models.factories import number_table, text_corpus, victim_table


@dataclass
class Case:
    """How to build, train and feed one detector."""

    make: Callable[[int], Estimator[Any]]
    train: Callable[[Estimator[Any]], Estimator[Any]]
    data: Any
    empty: Any


def _number_case() -> Case:
    features, y, edges = number_table()
    return Case(
        make=lambda seed: FraudNumberModel(n_estimators=30, folds=3, seed=seed),
        train=lambda m: m.fit(features, y, edges),  # type: ignore[call-arg]
        data=features.iloc[:50],
        empty=features.iloc[:0],
    )


def _text_case() -> Case:
    texts, labels = text_corpus()
    return Case(
        make=lambda seed: ScamTextClassifier(n_features=2**14, holdout=0.2, seed=seed),
        train=lambda m: m.fit(texts, labels),
        data=[*texts[:30], "", "完全无关的一句话"],
        empty=[],
    )


def _cascade_case() -> Case:
    texts, labels = text_corpus(copies=6)
    return Case(
        make=lambda seed: CascadeTextClassifier(n_features=2**14, holdout=0.2, seed=seed),
        train=lambda m: m.fit(texts, labels),
        data=[*texts[:20], "", "完全无关的一句话", "请先交一笔保证金到指定账户，不要告诉家人"],
        empty=[],
    )


def _victim_case() -> Case:
    table, y = victim_table()
    return Case(
        make=lambda seed: VictimRiskModel(n_estimators=40, folds=3, seed=seed),
        train=lambda m: m.fit(table, y),
        data=table.iloc[:50],
        empty=table.iloc[:0],
    )


CASES = {
    "fraud_numbers": _number_case,
    "scam_text": _text_case,
    "scam_text_cascade": _cascade_case,
    "victim_risk": _victim_case,
}


@pytest.fixture(params=sorted(CASES), scope="module")
def case(request: pytest.FixtureRequest) -> Case:
    return CASES[request.param]()


def test_estimator_fit_returns_self_and_keeps_hyperparameters(case: Case) -> None:
    model = case.make(7)
    before = model.get_params()
    assert case.train(model) is model
    assert model.get_params() == before
    init_names = set(inspect.signature(type(model).__init__).parameters) - {"self"}
    assert "seed" in init_names
    learned = set(vars(model)) - init_names
    assert learned and all(name.endswith("_") for name in learned)


def test_estimator_is_deterministic_for_a_seed(case: Case) -> None:
    first, second = case.train(case.make(3)), case.train(case.make(3))
    assert np.array_equal(first.score(case.data), second.score(case.data))
    assert first.version == second.version
    assert first.meta_.fingerprint == second.meta_.fingerprint


def test_estimator_scores_are_probabilities(case: Case) -> None:
    scores = case.train(case.make(0)).score(case.data)
    assert len(scores) == len(case.data)
    assert np.all((scores >= 0) & (scores <= 1))


def test_estimator_empty_input_gives_empty_scores(case: Case) -> None:
    assert len(case.train(case.make(0)).score(case.empty)) == 0


def test_estimator_save_load_round_trip(case: Case, tmp_path: Path) -> None:
    model = case.train(case.make(0))
    path = model.save(tmp_path / "model.fzm")
    loaded = type(model).load(path)
    assert np.allclose(loaded.score(case.data), model.score(case.data))
    assert loaded.meta_ == model.meta_
    assert loaded.get_params() == model.get_params()


def test_estimator_writes_model_card(case: Case, tmp_path: Path) -> None:
    model = case.train(case.make(0))
    markdown, json_path = model.write_card(tmp_path / "model.fzm")
    text = markdown.read_text(encoding="utf-8")
    assert model.version in text and "Confusion matrix" in text and "Top features" in text
    assert model.meta_.metrics and json_path.exists()


def test_estimator_unfitted_model_refuses_to_score(case: Case) -> None:
    from fanzha.errors import ModelError

    with pytest.raises(ModelError):
        case.make(0).score(case.data)


def test_text_scorer_loader_gives_protocol_object(tmp_path: Path) -> None:
    texts, labels = text_corpus()
    model = ScamTextClassifier(n_features=2**14, holdout=0.2).fit(texts, labels)
    scorer = load_scorer(model.save(tmp_path / "text.fzm"))
    assert isinstance(scorer, TextScorer)
    verdicts = scorer.judge(["我是公安局民警，你涉嫌洗钱，把钱转到安全账户", "明天一起吃饭"])
    assert [v.label for v in verdicts] == ["impersonate_police", "正常"]
    assert scorer.version == model.version


def test_text_scorer_loader_reads_a_cascade_file(tmp_path: Path) -> None:
    texts, labels = text_corpus(copies=6)
    model = CascadeTextClassifier(n_features=2**14, holdout=0.2).fit(texts, labels)
    scorer = load_scorer(model.save(tmp_path / "cascade.fzm"))
    assert isinstance(scorer, CascadeTextClassifier) and isinstance(scorer, TextScorer)
    assert scorer.version == model.version and scorer.version.startswith("scam_text_cascade-")
    sample = ["我是公安局民警，你涉嫌洗钱，把钱转到安全账户", "明天一起吃饭"]
    assert scorer.judge(sample) == model.judge(sample)


def test_number_model_wrong_kind_file_is_refused(tmp_path: Path) -> None:
    from fanzha.errors import ModelError

    texts, labels = text_corpus()
    path = ScamTextClassifier(n_features=2**12).fit(texts, labels).save(tmp_path / "t.fzm")
    with pytest.raises(ModelError):
        FraudNumberModel.load(path)


def test_victim_model_explains_each_score_by_its_features() -> None:
    table, y = victim_table()
    model = VictimRiskModel(n_estimators=40, folds=3).fit(table, y)
    assert model.meta_.metrics["roc_auc"] > 0.8
    engaged = table[y == 1].iloc[:5]
    explained = model.explain(engaged, top=2)
    assert len(explained) == 5 and all(1 <= len(row) <= 2 for row in explained)
    informative = {"cp_minutes", "cp_callbacks", "new_payees", "cp_reach"}
    assert all(row[0][0] in informative and row[0][1] > 0 for row in explained)


def test_victim_model_missing_feature_is_refused() -> None:
    from fanzha.errors import ModelError

    table, y = victim_table()
    model = VictimRiskModel(n_estimators=20, folds=2).fit(table, y)
    with pytest.raises(ModelError, match="lacks columns"):
        model.score(table.drop(columns=["cp_reach"]))
