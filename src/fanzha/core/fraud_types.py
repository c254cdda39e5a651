"""The fraud taxonomy: the Ministry's ten common types, extensible with local sub-types.

A type is written by its code (``impersonate_police``), its Chinese name (``冒充公检法``) or a
known alias (the labels of public data sets). A local sub-type is ``parent/sub``, for example
``fake_investment/crypto``; its parent must be one of the ten (or ``other``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FraudType:
    """One fraud type of the taxonomy."""

    code: str
    zh: str
    en: str
    targets: str


TYPES: tuple[FraudType, ...] = (
    FraudType("task_rebate", "刷单返利", "task / rebate scam", "students, low-income, unemployed"),
    FraudType("fake_investment", "虚假网络投资理财", "fake investment", "people with savings"),
    FraudType("fake_shopping", "虚假购物服务", "fake shopping or services", "online shoppers"),
    FraudType(
        "fake_customer_service", "冒充电商物流客服", "fake customer service", "online shoppers"
    ),
    FraudType("fake_loan", "虚假网络贷款", "fake loan", "people short of money"),
    FraudType("fake_credit", "虚假征信", "fake credit record", "young adults"),
    FraudType(
        "impersonate_boss", "冒充领导熟人", "impersonating a boss or acquaintance", "finance staff"
    ),
    FraudType("impersonate_police", "冒充公检法", "impersonating police or courts", "elderly"),
    FraudType("romance", "网络婚恋交友", "romance scam (杀猪盘)", "singles"),
    FraudType("game_trade", "网络游戏虚假交易", "fake game trade", "minors, students"),
    FraudType("other", "其他", "other or unknown type", "anyone"),
)

BY_CODE: dict[str, FraudType] = {t.code: t for t in TYPES}
TEN_CODES: tuple[str, ...] = tuple(t.code for t in TYPES if t.code != "other")

ALIASES: dict[str, str] = {
    # labels of the public Telecom_Fraud_Texts_5 data set
    "冒充公检法及政府机关类": "impersonate_police",
    "贷款、代办信用卡类": "fake_loan",
    "冒充客服服务": "fake_customer_service",
    "冒充领导、熟人类": "impersonate_boss",
    # common short forms
    "刷单": "task_rebate",
    "投资理财": "fake_investment",
    "杀猪盘": "romance",
    "冒充客服": "fake_customer_service",
    "网络贷款": "fake_loan",
    "征信": "fake_credit",
    "冒充领导": "impersonate_boss",
    "冒充熟人": "impersonate_boss",
    "游戏交易": "game_trade",
    "unknown": "other",
    "未知": "other",
}

NORMAL = "正常"  # label of texts that are not fraud


def parse(text: str) -> str:
    """Return the canonical code of a fraud type (or ``parent/sub``); raise ``ValueError``."""
    value = str(text).strip()
    parent, _, sub = value.partition("/")
    code = _code_of(parent)
    if code is None:
        raise ValueError(f"unknown fraud type {text!r}")
    return f"{code}/{sub.strip()}" if sub.strip() else code


def _code_of(name: str) -> str | None:
    key = name.strip()
    if key.lower() in BY_CODE:
        return key.lower()
    for t in TYPES:
        if key in (t.zh, t.en):
            return t.code
    return ALIASES.get(key)


def zh_name(code: str) -> str:
    """Chinese name of a code (sub-types shown as ``父类/子类``)."""
    parent, _, sub = code.partition("/")
    base = BY_CODE[parent].zh if parent in BY_CODE else parent
    return f"{base}/{sub}" if sub else base
