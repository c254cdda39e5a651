"""A transparent keyword scorer: the default text scorer when no trained model is given.

Each fraud type has phrases written from the fraud descriptions in ``domain.md``; a text that
contains phrases of a type scores ``1 - 0.5 ** hits`` for it. It is deliberately simple and
explainable; the trained classifier (``fanzha text train``) replaces it where available.
"""

from __future__ import annotations

from collections.abc import Sequence

from fanzha.core.fraud_types import NORMAL
from fanzha.detection.text.base import TextVerdict

LEXICON: dict[str, tuple[str, ...]] = {
    "task_rebate": ("刷单", "返利", "兼职", "点赞", "日结", "佣金", "垫付", "做任务"),
    "fake_investment": ("导师", "内幕", "稳赚", "高收益", "投资平台", "带单", "荐股", "数字货币"),
    "fake_shopping": ("低价转让", "私下交易", "定金", "先付款", "内部价", "代购"),
    "fake_customer_service": (
        "客服",
        "退款",
        "理赔",
        "百万保障",
        "取消会员",
        "屏幕共享",
        "质量问题",
        "快递丢失",
    ),
    "fake_loan": ("无抵押", "秒批", "低息贷款", "解冻金", "保证金", "放款", "验资", "刷流水"),
    "fake_credit": ("征信", "学生贷", "注销账户", "信用记录", "逾期"),
    "impersonate_boss": ("我是你领导", "老板", "换号了", "加我微信", "急用钱", "先转"),
    "impersonate_police": (
        "公安局",
        "检察院",
        "法院",
        "洗钱",
        "通缉",
        "安全账户",
        "涉嫌",
        "逮捕",
        "资金清查",
    ),
    "romance": ("亲爱的", "交友", "婚恋", "一起投资", "见面", "想你"),
    "game_trade": ("游戏账号", "装备", "皮肤", "点券", "解封", "代练"),
}
NEGATIONS = ("验证码", "请勿泄露", "谨防诈骗", "反诈")


class KeywordScorer:
    """Scores texts by counting type phrases; ``正常`` when nothing matches."""

    version = "keywords-1"

    def __init__(self, lexicon: dict[str, tuple[str, ...]] | None = None) -> None:
        self.lexicon = lexicon if lexicon is not None else LEXICON

    def judge(self, texts: Sequence[str]) -> list[TextVerdict]:
        """One verdict per text, in input order."""
        return [self._judge_one(t or "") for t in texts]

    def _judge_one(self, content: str) -> TextVerdict:
        best, hits = NORMAL, 0
        for code, phrases in self.lexicon.items():
            count = sum(1 for p in phrases if p in content)
            if count > hits:
                best, hits = code, count
        if hits == 0 or (any(n in content for n in NEGATIONS) and hits < 2):
            return TextVerdict(NORMAL, 0.0)
        return TextVerdict(best, 1.0 - 0.5**hits)
