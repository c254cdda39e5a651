"""`fanzha numbers` and `fanzha text` end to end through the command line."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from fanzha.cli import numbers as numbers_cli
from fanzha.cli import text as text_cli

pytestmark = pytest.mark.integration


def number_table(n: int = 240) -> tuple[pd.DataFrame, np.ndarray, pd.DataFrame]:
    """Features where fraud numbers call more, shorter and get no call-backs; a co-call list."""
    rng = np.random.default_rng(0)
    y = (rng.random(n) < 0.3).astype(int)
    ids = [f"n{i:04d}" for i in range(n)]
    features = pd.DataFrame(
        {"out_calls": rng.poisson(20 + 80 * y), "short_share": rng.normal(0.2 + 0.5 * y, 0.1)},
        index=pd.Index(ids),
    )
    edges = pd.DataFrame({"src": rng.choice(ids, 2 * n), "dst": rng.choice(ids, 2 * n)})
    return features, y, edges


def text_corpus() -> tuple[list[str], list[str]]:
    """A few normal and police-impersonation texts."""
    normal = ["明天{n}点开会，请准时参加。", "【快递】您的包裹已放在驿站，取件码{n}。"]
    police = ["我是市公安局民警，你的银行卡涉嫌洗钱案件{n}，请把钱转到安全账户配合调查。"]
    texts, labels = [], []
    for i in range(15):
        texts += [t.format(n=i * 7 + 3) for t in normal + police]
        labels += ["正常", "正常", "冒充公检法"]
    return texts, labels


@pytest.fixture
def app() -> typer.Typer:
    app = typer.Typer()
    numbers_cli.register(app)
    text_cli.register(app)
    return app


def _run(app: typer.Typer, *args: str) -> str:
    result = CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_models_cli_numbers_train_and_score(app: typer.Typer, tmp_path: Path) -> None:
    features, y, edges = number_table()
    table = features.assign(label=y).rename_axis("num").reset_index()
    table.iloc[:180].to_csv(tmp_path / "train.csv", index=False)
    table.iloc[180:].drop(columns="label").to_csv(tmp_path / "new.csv", index=False)
    edges.assign(dst=edges["dst"].where(edges.index % 7 > 0, "unseen")).to_csv(
        tmp_path / "edges.csv", index=False
    )
    _run(
        app,
        "numbers",
        "train",
        "--features",
        tmp_path / "train.csv",
        "--id-col",
        "num",
        "--label-col",
        "label",
        "--edges",
        tmp_path / "edges.csv",
        "--out",
        tmp_path / "m.fzm",
    )
    assert (tmp_path / "m.fzm.card.md").exists()
    _run(
        app,
        "numbers",
        "score",
        "--model",
        tmp_path / "m.fzm",
        "--features",
        tmp_path / "new.csv",
        "--id-col",
        "num",
        "--edges",
        tmp_path / "edges.csv",
        "--out",
        tmp_path / "scores.csv",
    )
    scores = pd.read_csv(tmp_path / "scores.csv", dtype={"id": str})
    assert list(scores.columns) == ["id", "score", "is_fraud"]
    assert scores["id"].tolist() == table["num"].iloc[180:].tolist()
    assert scores["score"].between(0, 1).all() and set(scores["is_fraud"]) <= {0, 1}


def test_models_cli_text_train_and_classify_in_input_order(
    app: typer.Typer, tmp_path: Path
) -> None:
    texts, labels = text_corpus()
    pd.DataFrame({"msg": texts, "cls": labels}).to_csv(tmp_path / "t.csv", index=False)
    pd.DataFrame({"body": ["明天一起吃饭", "我是公安局民警，你涉嫌洗钱案件，转到安全账户"]}).to_csv(
        tmp_path / "in.csv", index=False
    )
    _run(
        app,
        "text",
        "train",
        "--data",
        tmp_path / "t.csv",
        "--text-col",
        "msg",
        "--label-col",
        "cls",
        "--out",
        tmp_path / "t.fzm",
    )
    _run(
        app,
        "text",
        "classify",
        "--model",
        tmp_path / "t.fzm",
        "--input",
        tmp_path / "in.csv",
        "--text-col",
        "body",
        "--out",
        tmp_path / "out.csv",
    )
    out = pd.read_csv(tmp_path / "out.csv")
    assert list(out.columns) == ["label", "fraud_score"]
    assert out["label"].tolist() == ["正常", "impersonate_police"]


def test_models_cli_text_train_semantic_writes_a_cascade(app: typer.Typer, tmp_path: Path) -> None:
    texts, labels = text_corpus()
    pd.DataFrame({"msg": texts, "cls": labels}).to_csv(tmp_path / "t.csv", index=False)
    pd.DataFrame({"body": ["明天一起吃饭", "我是公安局民警，你涉嫌洗钱案件，转到安全账户"]}).to_csv(
        tmp_path / "in.csv", index=False
    )
    common = ("--text-col", "msg", "--label-col", "cls", "--out", tmp_path / "c.fzm")
    output = _run(app, "text", "train", "--data", tmp_path / "t.csv", *common, "--semantic")
    assert "scam_text_cascade-v1-" in output and "routed" in output
    assert "use-multilingual-v3" in (tmp_path / "c.fzm.card.md").read_text(encoding="utf-8")
    _run(
        app,
        "text",
        "classify",
        "--model",
        tmp_path / "c.fzm",
        "--input",
        tmp_path / "in.csv",
        "--text-col",
        "body",
        "--out",
        tmp_path / "out.csv",
    )
    out = pd.read_csv(tmp_path / "out.csv")
    assert out["label"].tolist() == ["正常", "impersonate_police"]
