"""Unit tests of the model building blocks: n-grams, lexicon, graph features, thresholds."""

from __future__ import annotations

import numpy as np
import pytest

from fanzha.detection.numbers import graph
from fanzha.detection.numbers.metrics import best_f1_threshold
from fanzha.detection.text.classifier import canonical_label
from fanzha.detection.text.lexicon import TypeLexicon
from fanzha.detection.text.ngrams import hashed_counts
from fanzha.errors import ModelError


def test_ngrams_count_each_length_within_one_text() -> None:
    counts = hashed_counts(["abc", "d"], max_n=3, n_features=2**20)
    assert counts[0].sum() == 3 + 2 + 1  # a b c, ab bc, abc — nothing spans into "d"
    assert counts[1].sum() == 1


def test_ngrams_same_text_same_buckets() -> None:
    a = hashed_counts(["冒充公检法"], 3, 2**16)
    b = hashed_counts(["你好", "冒充公检法"], 3, 2**16)
    assert (a[0] != b[1]).nnz == 0


def test_ngrams_empty_batch_and_empty_text() -> None:
    assert hashed_counts([], 3, 64).shape == (0, 64)
    assert hashed_counts([""], 3, 64).nnz == 0


def test_lexicon_flags_unseen_type_with_mechanics() -> None:
    hit = TypeLexicon().judge("导师带你炒虚拟币，稳赚不赔，先充值一万到指定账户")
    assert hit.flagged and hit.fraud_type == "fake_investment"


def test_lexicon_ignores_topic_without_mechanics() -> None:
    assert not TypeLexicon().judge("【证券】您的股票账户今日收益为正，理财有风险").flagged


def test_lexicon_flags_a_lure_by_its_bait_and_where_to_click() -> None:
    bait = "在家动动手指日赚三百，当日结算"
    assert not TypeLexicon().judge(bait).flagged  # a bait alone is an ad
    hit = TypeLexicon().judge(bait + "，立即领取 https://h5.example.cn/r?id=1")
    assert hit.flagged and hit.fraud_type == "task_rebate"
    loan = TypeLexicon().judge("您有一笔信用额度待领取，低息秒批，点 www.example.cn 提现")
    assert loan.flagged and loan.fraud_type == "fake_loan"


def test_lexicon_ignores_a_link_without_a_bait() -> None:
    text = "【快递】您的快件已签收，立即领取积分 https://m.example.cn/q?id=9 退订回T"
    assert not TypeLexicon().judge(text).flagged


def test_lexicon_discounts_anti_fraud_warnings() -> None:
    text = "反诈中心提醒：刷单返利、先交保证金、转到指定账户的都是诈骗，请勿轻信"
    assert not TypeLexicon().judge(text).flagged


def test_canonical_label_maps_public_aliases_and_rejects_unknown() -> None:
    assert canonical_label("冒充公检法及政府机关类") == "impersonate_police"
    assert canonical_label("正常") == "正常"
    with pytest.raises(ModelError):
        canonical_label("不存在的类型")


def _line_graph() -> tuple[list[str], object]:
    return graph.build_graph(["a", "b", "c"], ["a", "b", "c"], ["b", "c", "x"])


def test_graph_features_count_fraud_neighbours_and_unseen_nodes() -> None:
    nodes, adj = _line_graph()
    assert nodes == ["a", "b", "c", "x"]
    known = np.array([1.0, np.nan, 0.0, np.nan])
    feats = graph.graph_features(adj, known)
    column = dict(zip(graph.GRAPH_FEATURES, feats[1], strict=True))  # node b: a (fraud), c
    assert column["g_degree"] == 2 and column["g_fraud_nbrs"] == 1
    assert column["g_fraud_rate"] == 0.5


def test_graph_two_hop_excludes_the_node_itself() -> None:
    _, adj = _line_graph()
    known = np.array([1.0, 0.0, 0.0, np.nan])
    feats = graph.graph_features(adj, known)
    two_hop = feats[:, graph.GRAPH_FEATURES.index("g_two_hop_fraud")]
    assert two_hop[0] == 0  # a's only fraud path would be back to itself
    assert two_hop[2] == 1  # c reaches a through b


def test_kfold_graph_features_hide_own_label() -> None:
    _, adj = _line_graph()
    known = np.array([1.0, 1.0, 0.0, np.nan])
    rows = np.arange(3)
    a = graph.kfold_graph_features(adj, known, rows, folds=3, seed=0)
    known[0] = 0.0
    b = graph.kfold_graph_features(adj, known, rows, folds=3, seed=0)
    assert np.allclose(a[0], b[0], equal_nan=True)


def test_best_f1_threshold_separates_clean_scores() -> None:
    y = np.array([0, 0, 1, 1, 1])
    scores = np.array([0.1, 0.3, 0.6, 0.8, 0.9])
    assert best_f1_threshold(y, scores) == pytest.approx(0.6)


def test_number_scoring_reads_text_columns_and_matches_numeric_input() -> None:
    from fanzha.detection.numbers.model import FraudNumberModel
    from tests.unit.models.factories import number_table

    features, y, _ = number_table()
    model = FraudNumberModel(n_estimators=20, folds=3).fit(features, y)
    as_text = features.astype(str)
    as_text.iloc[0, 0] = "not a number"  # coerced to missing, not an error
    numeric = model.score(features)
    from_text = model.score(as_text)
    assert np.allclose(numeric[1:], from_text[1:])
    assert 0.0 <= from_text[0] <= 1.0


def test_platt_on_margin_equals_platt_on_probability() -> None:
    from fanzha.detection.numbers.model import _apply_platt, _platt_on_margin

    margin = np.array([-30.0, -2.0, 0.0, 1.5, 30.0])
    probability = 1 / (1 + np.exp(-margin))
    calibration = (0.8, -0.3)
    expected = _apply_platt(probability, calibration)
    assert np.allclose(_platt_on_margin(margin, calibration), expected)


def test_confident_linear_type_is_not_overridden_by_the_lexicon() -> None:
    from fanzha.detection.text.classifier import ScamTextClassifier
    from fanzha.detection.text.lexicon import LexiconHit

    model = ScamTextClassifier()
    model.classes_ = ["impersonate_police", "正常"]
    hit = LexiconHit("fake_credit", 2.0, 2.0, 0.6, True, (("fake_credit", 2),))
    confident = model._combine(np.array([0.9, 0.1]), hit)
    assert confident.label == "impersonate_police"
    model.override_below = 1.01  # any linear share below 101 %: the lexicon decides
    assert model._combine(np.array([0.9, 0.1]), hit).label == "fake_credit"
