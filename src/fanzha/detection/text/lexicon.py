"""Type lexicons written from ``docs/domain.md``: they flag fraud types absent from training data.

A text is judged on two kinds of cue:

- **topic cues** of each of the ten types (what the story is about: 刷单/佣金, 投资/导师,
  征信/校园贷, 游戏/皮肤 …);
- **mechanics cues** shared by every scam (how the money moves or the victim is isolated:
  先交/保证金/解冻/指定账户/私下交易/屏幕共享/稳赚 …), strong or weak.

The lexicon flags fraud when a type's topic and the mechanics together reach the threshold
and both are present; each distinct warning *about* fraud (反诈, 谨防 …) is discounted.
The weights are data: a centre can extend the tables; local sub-types go under the ten codes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

TOPIC_CUES: dict[str, tuple[str, ...]] = {
    "task_rebate": (
        "刷单",
        "兼职",
        "点赞",
        "佣金",
        "返利",
        "返现",
        "返还本金",
        "做任务",
        "任务群",
        "派单",
        "连单",
        "卡单",
        "组合任务",
        "补单",
        "垫付货款",
        "日结",
        "宝妈",
        "动动手指",
        "信誉",
        "做销量",
        "提成",
        "任务",
        "日赚",
        "返佣",
        "兼职体验",
        "点赞员",
        "当日结算",
        "诚招",
        "一单",
    ),
    "fake_investment": (
        "投资",
        "理财",
        "股票",
        "牛股",
        "涨停",
        "导师",
        "老师带",
        "内部消息",
        "内幕",
        "收益",
        "数字货币",
        "虚拟币",
        "区块链",
        "交易所",
        "外汇",
        "黄金",
        "期货",
        "原始股",
        "私募",
        "认购",
        "分红",
        "加仓",
        "博彩",
        "下注",
        "漏洞",
        "庄家",
        "跟单",
        "盈利",
        "彩票",
    ),
    "fake_shopping": (
        "低价",
        "原价",
        "正品",
        "清仓",
        "甩卖",
        "名牌",
        "罚没",
        "发货",
        "关税",
        "运费",
        "机票",
        "门票",
        "演唱会",
        "驾照",
        "代写",
        "代考",
        "清关",
        "检疫",
        "航空箱",
        "宠物",
        "茅台",
        "出票",
        "订单无法",
        "包裹",
        "海关",
        "二手",
        "渠道价",
        "闲置转让",
    ),
    "fake_customer_service": (
        "客服",
        "退款",
        "理赔",
        "订单异常",
        "百万保障",
        "会员自动续费",
        "取消会员",
        "快递丢失",
        "质量问题",
        "赔偿",
        "赔付",
        "自动扣费",
        "人工客服",
    ),
    "fake_loan": (
        "贷款",
        "放款",
        "下款",
        "网贷",
        "无抵押",
        "无担保",
        "黑户",
        "审批通过",
        "批复",
        "包装流水",
        "提高额度",
        "还款能力",
        "额度",
        "秒批",
        "低息",
        "不看征信",
        "当天放款",
        "即可贷",
        "急用钱",
    ),
    "fake_credit": (
        "征信",
        "信用记录",
        "校园贷",
        "学生时",
        "学生身份",
        "注销",
        "逾期",
        "不良记录",
        "失信",
        "黑名单",
        "信用分",
        "花呗",
        "金条",
        "白条",
        "清零",
        "征信中心",
        "异常记录",
    ),
    "impersonate_boss": (
        "我是你领导",
        "领导",
        "老板",
        "董事长",
        "换了号码",
        "换号",
        "财务",
        "帮我转",
        "老同学",
        "我是你",
        "新号",
        "不方便接电话",
        "在开会",
        "合同款",
        "急转",
    ),
    "impersonate_police": (
        "公安局",
        "警官",
        "民警",
        "检察院",
        "法院",
        "通缉",
        "洗钱",
        "洗黑钱",
        "逮捕",
        "涉嫌",
        "案件",
        "传票",
        "配合调查",
        "资金清查",
        "医保卡",
        "套现",
    ),
    "romance": (
        "亲爱的",
        "宝贝",
        "老婆",
        "男朋友",
        "女朋友",
        "婚恋",
        "相亲",
        "交友",
        "一见钟情",
        "喜欢你",
        "爱你",
        "见面",
        "在一起",
        "结婚",
        "孤单",
        "维和",
        "离异",
        "刷个礼物",
        "将来",
        "有缘",
        "加个好友",
    ),
    "game_trade": (
        "游戏",
        "皮肤",
        "装备",
        "点券",
        "王者荣耀",
        "原神",
        "和平精英",
        "封号",
        "解封",
        "代充",
        "游戏币",
        "满级",
        "账号",
    ),
}

STRONG_MECHANICS: tuple[str, ...] = (
    "安全账户",
    "指定账户",
    "监管账户",
    "个人账户",
    "私下交易",
    "不走平台",
    "垫付",
    "垫资",
    "解冻",
    "验证金",
    "保证金",
    "稳赚",
    "包赚",
    "不赔",
    "保本",
    "屏幕共享",
    "共享屏幕",
    "先付",
    "先交",
    "先转",
    "先充",
    "先把钱",
    "账号和密码",
    "账号密码",
    "不要告诉",
    "包过",
    "包成功",
    "百分之百通过",
    "秒返",
    "提现",
    "转我",
    "借我",
    "按我说的",
    "指导你",
    "全额赔付",
    "保证月收益",
    "拉人头",
    "借钱",
)
WEAK_MECHANICS: tuple[str, ...] = (
    "转账",
    "汇款",
    "打款",
    "转入",
    "转到",
    "充值",
    "手续费",
    "服务费",
    "会员费",
    "工本费",
    "保险费",
    "押金",
    "定金",
    "冻结",
    "加微信",
    "加QQ",
    "加我",
    "私聊",
    "私信",
    "扫码",
    "二维码",
    "下载",
    "流水",
    "急需",
    "付款",
    "缴纳",
    "交纳",
    "缴费",
    "付钱",
    "赚钱",
    "进群",
    "拉你",
    "名额",
    "到账",
    "放行",
    "免费领取",
    "配合我们",
    "国家规定",
    "国家要求",
    "急事",
    "入场",
    "上线后",
    "至少涨",
    # the lure's call to action (a first SMS names the bait and where to click, rarely the
    # payment yet); each counts once, and so does a link (`LINK`)
    "立即领取",
)
LINK = re.compile(r"https?://|www\.", re.I)  # a link in the text: one weak mechanics cue
WARNING_CUES: tuple[str, ...] = ("反诈", "谨防", "警惕", "都是诈骗", "请勿轻信", "谨慎")

TOPIC_CAP = 3  # more than three topic cues add no evidence
STRONG_WEIGHT = 1.0
WEAK_WEIGHT = 0.5
MECHANICS_CAP = 3.0
WARNING_DISCOUNT = 2.0  # per distinct warning cue: texts warning *about* fraud
# P(fraud) of a text the lexicon flags, measured on the public Telecom_Fraud_Texts_5 set
# (2026-12-07, lexicon-2): 1,192 of 1,198 flagged texts are fraud (99.5 %; 99.1-100 % in
# every evidence band), rounded down. ``score`` is evidence strength, not a probability.
FLAGGED_PRECISION = 0.99


@dataclass(frozen=True)
class LexiconHit:
    """The lexicon's view of one text."""

    fraud_type: str  # best topic type ("" when no topic cue)
    topic: float  # capped count of distinct topic cues of that type
    mechanics: float  # capped weighted count of distinct mechanics cues
    score: float  # combined evidence in [0, 1]
    flagged: bool
    topics: tuple[tuple[str, int], ...] = ()  # distinct topic cues per type (non-zero only)

    @property
    def probability(self) -> float:
        """P(fraud) as a scorer reports it: the lexicon's measured precision when it flags."""
        return FLAGGED_PRECISION if self.flagged else 0.0

    def topic_of(self, code: str) -> int:
        """Distinct topic cues of one type found in the text."""
        return dict(self.topics).get(code, 0)


def _pattern(cues: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(re.escape(c) for c in sorted(cues, key=len, reverse=True)), re.I)


class TypeLexicon:
    """Scores texts against the topic and mechanics tables."""

    def __init__(self, threshold: float = 3.0, min_topic: float = 1.0, min_mechanics: float = 0.5):
        self.threshold = threshold
        self.min_topic = min_topic
        self.min_mechanics = min_mechanics
        self._topics = {code: _pattern(cues) for code, cues in TOPIC_CUES.items()}
        self._strong = _pattern(STRONG_MECHANICS)
        self._weak = _pattern(WEAK_MECHANICS)
        self._warning = _pattern(WARNING_CUES)

    def judge(self, text: str) -> LexiconHit:
        """The best type, the evidence and whether it reaches the threshold."""
        topics = {code: len(set(p.findall(text))) for code, p in self._topics.items()}
        best = max(topics, key=lambda code: topics[code])
        topic = float(min(topics[best], TOPIC_CAP))
        strong = len({m.lower() for m in self._strong.findall(text)})
        weak = len({m.lower() for m in self._weak.findall(text)}) + bool(LINK.search(text))
        mechanics = min(STRONG_WEIGHT * strong + WEAK_WEIGHT * weak, MECHANICS_CAP)
        warnings = len(set(self._warning.findall(text)))
        evidence = topic + mechanics - WARNING_DISCOUNT * warnings
        flagged = (
            evidence >= self.threshold
            and topic >= self.min_topic
            and mechanics >= self.min_mechanics
        )
        score = evidence / (evidence + self.threshold) if evidence > 0 else 0.0
        found = tuple((code, n) for code, n in topics.items() if n)
        return LexiconHit(best if topic > 0 else "", topic, mechanics, score, flagged, found)
