"""The semantic stage, the intent augmentation and the two-stage cascade (small data)."""

from __future__ import annotations

import json
import os
import socket
import zipfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from fanzha.core.fraud_types import NORMAL
from fanzha.detection.text import augment, semantic
from fanzha.detection.text.cascade import CascadeTextClassifier
from fanzha.detection.text.lexicon import TOPIC_CUES, TypeLexicon
from fanzha.errors import ModelError
from tests.unit.models.factories import DATA, text_corpus


@pytest.fixture(scope="session")
def cascade() -> CascadeTextClassifier:
    """A cascade trained once on the small synthetic corpus."""
    texts, labels = text_corpus(copies=8)
    return CascadeTextClassifier(n_features=2**14, holdout=0.2).fit(texts, labels)


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Any attempt to open a network connection fails the test."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the semantic stage tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    yield


def test_semantic_encoder_loads_offline_and_embeds_meaning(
    no_network: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in semantic.OFFLINE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    semantic._loaded.clear()
    vectors = semantic.SentenceEncoder().encode(
        [
            "我是公安局民警，你涉嫌洗钱，请把钱转到安全账户",
            "警察说我的银行卡涉案，要我转账配合调查",
            "明天一起吃火锅吧",
        ]
    )
    assert vectors.shape == (3, semantic.EMBEDDING_DIM) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.2
    assert all(os.environ[name] == "1" for name in semantic.OFFLINE_VARIABLES)


def test_semantic_encoder_empty_and_blank_input() -> None:
    encoder = semantic.SentenceEncoder(max_chars=8)
    assert encoder.encode([]).shape == (0, semantic.EMBEDDING_DIM)
    assert encoder.encode(["", "一" * 500]).shape == (2, semantic.EMBEDDING_DIM)


def test_semantic_encoder_missing_package_is_a_model_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(semantic, "ENCODER_PACKAGE", "no-such-encoder-package")
    with pytest.raises(ModelError):
        semantic.encoder_info()


def test_semantic_head_needs_both_classes() -> None:
    with pytest.raises(ModelError):
        semantic.LogisticHead.fit(np.zeros((4, 3)), np.ones(4, dtype=int), 1.0, 0)


def test_augment_slot_tables_hold_no_story_words_of_unseen_types() -> None:
    found = [
        (code, cue, entry)
        for code in augment.STORY_FREE_TYPES
        for cue in TOPIC_CUES[code]
        for table in augment.SLOT_TABLES
        for entry in table
        if cue in entry
    ]
    assert found == []


def test_augment_intent_texts_always_move_money_and_are_deterministic() -> None:
    texts = augment.intent_texts(40, seed=3)
    assert texts == augment.intent_texts(40, seed=3) and len(set(texts)) > 30
    assert all(any(move in t for move in augment.MONEY_MOVE) for t in texts)


def test_augment_recombine_mixes_types_and_relabels_nothing_normal() -> None:
    texts = [
        "甲类第一句话很长。甲类第二句话也长。",
        "乙类第一句话很长。乙类第二句话也长。",
        "今天天气很好。",
    ]
    labels = ["fake_loan", "impersonate_boss", NORMAL]
    mixed, mixed_labels = augment.recombine(texts, labels, 20, seed=1)
    assert set(mixed_labels) == {augment.AUGMENT_LABEL}
    crosses = [t for t in mixed if "甲类" in t and "乙类" in t]
    carriers = [t for t in mixed if "今天天气很好" in t]
    assert crosses and carriers
    assert all(any(move in t for move in augment.MONEY_MOVE) for t in carriers)


def test_augment_adds_the_requested_share_with_hard_normals() -> None:
    texts, labels = text_corpus(copies=10)
    extra, extra_labels = augment.augment(texts, labels, scale=0.5, seed=0)
    assert len(extra) == len(extra_labels) == len(texts) // 2
    assert 0.2 < extra_labels.count(NORMAL) / len(extra) < 0.4


def test_generalisation_set_is_apart_from_templates_and_lexicon() -> None:
    frame = pd.read_csv(DATA / "generalisation.csv")
    assert set(frame.columns) == {"text", "label", "style"} and len(frame) >= 140
    entries = [e for table in augment.SLOT_TABLES for e in table if len(e) >= 8]
    shared = [(t, e) for t in frame["text"] for e in entries if e[:8] in t]
    assert shared == []
    fraud = frame[frame["label"] != NORMAL]
    lexicon = TypeLexicon()
    flagged = np.mean([lexicon.judge(t).flagged for t in fraud["text"]])
    assert flagged < 0.3, f"the lexicon already flags {flagged:.0%}: the set is not apart"


def test_cascade_routes_only_unsure_texts_to_the_encoder(
    cascade: CascadeTextClassifier, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts, _ = text_corpus(copies=2)
    batch = [*texts, "您好，这边需要您先交一笔钱到我们的账户完成核验，不要告诉别人", "晚上好"]
    routed = cascade.route(batch)
    seen: list[str] = []
    original = semantic.SentenceEncoder.encode

    def spy(self: semantic.SentenceEncoder, items: list[str]) -> np.ndarray:
        seen.extend(items)
        return original(self, items)

    monkeypatch.setattr(semantic.SentenceEncoder, "encode", spy)
    cascade.judge(batch)
    assert seen == [t for t, r in zip(batch, routed, strict=True) if r]
    assert not routed[: len(texts)].any(), "training texts are not unsure"


def test_cascade_band_decides_what_is_routed(cascade: CascadeTextClassifier) -> None:
    texts, _ = text_corpus(copies=1)
    original = (cascade.band_low, cascade.band_high)
    try:
        cascade.band_low, cascade.band_high = 0.0, 1.01
        assert cascade.route(texts).all()
        cascade.band_low, cascade.band_high = 0.5, 0.5
        assert not cascade.route(texts).any()
    finally:
        cascade.band_low, cascade.band_high = original


def test_cascade_verdicts_keep_training_types(cascade: CascadeTextClassifier) -> None:
    verdicts = cascade.judge(
        [
            "我是市公安局民警，你的银行卡涉嫌洗钱案件9，请把钱转到安全账户配合调查。",
            "明天9点开会，请准时参加。",
        ]
    )
    assert [v.label for v in verdicts] == ["impersonate_police", NORMAL]
    assert verdicts[0].fraud_score > 0.5 > verdicts[1].fraud_score


def test_cascade_card_records_routing_and_encoder(
    cascade: CascadeTextClassifier, tmp_path: Path
) -> None:
    markdown, _ = cascade.write_card(tmp_path / "c.fzm")
    text = markdown.read_text(encoding="utf-8")
    assert "routed_share" in cascade.meta_.metrics
    assert semantic.ENCODER_NAME in text and "augmentation" in text


def test_cascade_file_is_usable_by_detect_text_model(
    cascade: CascadeTextClassifier, tmp_path: Path
) -> None:
    from fanzha.detection.service import load_text_scorer

    scorer = load_text_scorer(cascade.save(tmp_path / "cascade.fzm"))
    assert isinstance(scorer, CascadeTextClassifier)
    assert scorer.version == cascade.version


def test_neighbour_vote_is_the_fraud_share_of_the_nearest_embeddings() -> None:
    memory = np.array([[1, 0], [0.96, 0.28], [0, 1], [-1, 0]], dtype=np.float32)
    vote = semantic.NeighbourVote(memory, np.array([1, 1, 0, 0]), k=2)
    assert vote.vectors.dtype == np.float16
    queries = np.array([[1, 0], [0, 1], [-0.6, 0.8]])
    assert vote.probability(queries).tolist() == [1.0, 0.5, 0.0]
    assert vote.probability(np.zeros((0, 2))).shape == (0,)
    with pytest.raises(ModelError):
        semantic.NeighbourVote(memory, np.array([1, 0]), k=2)


def test_cascade_stage2_blends_head_and_neighbour_vote(cascade: CascadeTextClassifier) -> None:
    texts = ["您好，这边需要您先交一笔钱到我们的账户完成核验，不要告诉别人", "晚上好"]
    vectors = semantic.SentenceEncoder().encode(texts)
    assert cascade.neighbours_ is not None and cascade.knn_weight > 0
    head = cascade.head_.probability(semantic.head_input(texts, vectors))
    vote = cascade.neighbours_.probability(vectors)
    w = cascade.knn_weight
    assert np.allclose(cascade._semantic(texts, vectors), (1 - w) * head + w * vote)
    assert len(cascade.neighbours_.fraud) == len(cascade.neighbours_.vectors)
    assert 0 < cascade.neighbours_.fraud.mean() < 1, "the memory holds both classes"


def test_cascade_file_keeps_the_neighbour_memory(
    cascade: CascadeTextClassifier, tmp_path: Path
) -> None:
    texts, _ = text_corpus(copies=1)
    batch = [*texts, "您好，这边需要您先交一笔钱到我们的账户完成核验，不要告诉别人"]
    path = cascade.save(tmp_path / "cascade.fzm")
    with zipfile.ZipFile(path) as archive:
        assert any(name.endswith("neighbours.npz") for name in archive.namelist())
    loaded = CascadeTextClassifier.load(path)
    assert loaded.neighbours_ is not None
    assert np.array_equal(loaded.neighbours_.vectors, cascade.neighbours_.vectors)  # type: ignore[union-attr]
    assert np.array_equal(loaded.score(batch), cascade.score(batch))


def test_cascade_without_neighbour_weight_is_the_head_alone() -> None:
    texts, labels = text_corpus(copies=8)
    plain = CascadeTextClassifier(n_features=2**14, holdout=0.2, knn_weight=0.0).fit(texts, labels)
    assert plain.neighbours_ is None
    probe = ["您好，这边需要您先交一笔钱到我们的账户完成核验，不要告诉别人"]
    vectors = semantic.SentenceEncoder().encode(probe)
    expected = plain.head_.probability(semantic.head_input(probe, vectors))
    assert np.allclose(plain._semantic(probe, vectors), expected)


def test_cascade_file_from_before_the_vote_restores_to_the_head_alone(
    cascade: CascadeTextClassifier, tmp_path: Path
) -> None:
    new = cascade.save(tmp_path / "new.fzm")
    old = tmp_path / "old.fzm"
    with zipfile.ZipFile(new) as src, zipfile.ZipFile(old, "w") as dst:
        for name in src.namelist():
            if name == "neighbours.npz":
                continue
            payload = src.read(name)
            if name == "meta.json":
                meta = json.loads(payload)
                for key in ("knn_k", "knn_weight"):
                    meta["params"].pop(key)
                payload = json.dumps(meta, ensure_ascii=False).encode()
            dst.writestr(name, payload)
    loaded = CascadeTextClassifier.load(old)
    assert loaded.neighbours_ is None
    probe = ["您好，这边需要您先交一笔钱到我们的账户完成核验，不要告诉别人"]
    vectors = semantic.SentenceEncoder().encode(probe)
    expected = loaded.head_.probability(semantic.head_input(probe, vectors))
    assert np.allclose(loaded._semantic(probe, vectors), expected)
