"""Synthetic data and shared-data helpers for the model tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[3]
SHARED = REPO.parent / "shared" / "data"
DATA = Path(__file__).with_name("data")


def shared_path(*parts: str) -> Path:
    """A file of ../shared/data, or skip the test when the folder is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"public data set not available at {path}")
    return path


def number_table(n: int = 240, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray, pd.DataFrame]:
    """Features (index = ids), labels and a co-call edge list where fraud numbers cluster."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.3).astype(int)
    features = pd.DataFrame(
        {
            "out_calls": rng.poisson(20 + 80 * y),
            "short_call_share": np.clip(rng.normal(0.2 + 0.5 * y, 0.15), 0, 1),
            "callback_ratio": np.clip(rng.normal(0.6 - 0.5 * y, 0.15), 0, 1),
            "noise": rng.normal(size=n),
        },
        index=pd.Index([f"n{i:04d}" for i in range(n)]),
    )
    fraud = np.flatnonzero(y == 1)
    src = rng.choice(fraud, size=3 * len(fraud))
    dst = rng.choice(fraud, size=3 * len(fraud))
    other = rng.integers(0, n, size=n)
    edges = pd.DataFrame(
        {
            "src": [f"n{i:04d}" for i in np.r_[src, other]],
            "dst": [f"n{i:04d}" for i in np.r_[dst, rng.integers(0, n, size=n)]],
        }
    )
    return features, y, edges


NORMAL_TEXTS = (
    "【银行】您尾号{n}的账户入账{n}元，余额充足。",
    "明天{n}点开会，请准时参加。",
    "【快递】您的包裹已放在驿站，取件码{n}。",
    "周末一起吃饭吗？我订了{n}号桌。",
    "【移动】您本月套餐剩余流量{n}MB。",
)
FRAUD_TEXTS = (
    ("我是市公安局民警，你的银行卡涉嫌洗钱案件{n}，请把钱转到安全账户配合调查。", "冒充公检法"),
    ("您好我是淘宝客服，您的订单{n}异常，需要退款，请下载软件共享屏幕操作。", "冒充客服"),
    ("无抵押贷款{n}万当天放款，需先交保证金和手续费。", "网络贷款"),
)


def text_corpus(copies: int = 12) -> tuple[list[str], list[str]]:
    """Small labelled texts: five normal and three fraud templates with varying numbers."""
    texts: list[str] = []
    labels: list[str] = []
    for i in range(copies):
        for template in NORMAL_TEXTS:
            texts.append(template.format(n=100 + i * 7))
            labels.append("正常")
        for template, label in FRAUD_TEXTS:
            texts.append(template.format(n=200 + i * 3))
            labels.append(label)
    return texts, labels


def victim_table(n: int = 300, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """Victim features where engaged residents talk longer, call back and pay new payees."""
    from fanzha.detection.victim.features import FEATURES

    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.25).astype(int)
    table = pd.DataFrame(0.0, index=range(n), columns=list(FEATURES))
    table["cp_minutes"] = rng.exponential(2 + 20 * y)
    table["cp_callbacks"] = rng.poisson(0.1 + 1.5 * y)
    table["new_payees"] = rng.poisson(0.2 + 1.0 * y)
    table["cp_reach"] = rng.poisson(3 + 40 * y)
    table["age"] = rng.integers(18, 80, n).astype(float)
    table["occupation"] = rng.integers(0, 5, n).astype(float)
    table["fraud_type"] = rng.integers(0, 10, n).astype(float)
    table["level"] = rng.integers(1, 5, n).astype(float)
    return table, y
