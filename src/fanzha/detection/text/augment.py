"""Training augmentation that teaches scam *intent*, not the words of the data set's types.

Three generators, all deterministic for a seed:

- :func:`intent_texts` composes messages from slot tables of scam mechanics — a claimed
  authority, a pretext, urgency, secrecy, money moved to an account the sender names, a link
  or an app install, a fee that must be paid first — with no story words: the tables hold no
  topic cue of any fraud type (:data:`STORY_FREE_TYPES` lists the types whose lexicon cues a
  test checks are absent), so what the model can learn from them is the move, not the story.
- :func:`hard_normal_texts` composes legitimate messages that share the surface of scams
  (bank debit notices, verification codes that say "never tell anyone", parcel pick-up
  codes, marketing with links, anti-fraud warnings, real loan approvals).
- :func:`recombine` builds new fraud texts from clauses of *different* training fraud types,
  and injects one intent clause into a real normal text (a normal carrier plus a demand to
  move money is fraud); normal texts are never relabelled by it.

Generated fraud texts are labelled ``other``: the type comes from the first stage or the
lexicon, the generated texts only teach fraud versus normal.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from fanzha.core.fraud_types import NORMAL

AUGMENT_LABEL = "other"

# The types absent from the public data set: no slot below may contain their lexicon cues.
STORY_FREE_TYPES: tuple[str, ...] = (
    "task_rebate",
    "fake_investment",
    "fake_shopping",
    "fake_credit",
    "romance",
    "game_trade",
)

AUTHORITY: tuple[str, ...] = (
    "您好，这里是平台安全中心",
    "我是负责您这件事的专员",
    "本人是系统管理员",
    "这边是官方工作人员",
    "我是处理中心的工号0391",
    "你好，我是上面派来核实情况的",
    "通知：监管部门工作人员",
    "我这边是总部风控部门",
    "您好，我是刚才联系过您的经理",
    "这里是后台审核组",
)
PRETEXT: tuple[str, ...] = (
    "您的账户出现异常",
    "系统检测到您的资金存在风险",
    "您有一笔款项无法到账",
    "您的身份信息被他人冒用",
    "您名下有一笔未处理的记录",
    "您的资料审核没有通过",
    "您之前的操作触发了风控",
    "您的资金被系统锁定",
    "您有一笔钱需要核验",
    "你之前的那笔钱还卡在系统里",
)
URGENCY: tuple[str, ...] = (
    "必须在今天之内处理",
    "两小时内不处理将永久作废",
    "超过时间后果自负",
    "现在不办以后就来不及了",
    "名额马上就没了",
    "系统十分钟后自动关闭",
    "今晚十二点前必须完成",
    "再拖下去损失会更大",
)
SECRECY: tuple[str, ...] = (
    "这件事不要告诉任何人，包括家人",
    "请不要挂断电话，也不要和别人商量",
    "这是保密流程，不能透露给银行柜员",
    "别人问起就说是自己转给朋友的",
    "处理期间不要接其他电话",
    "千万别跟家里人说，免得节外生枝",
    "这是内部渠道，不要对外说",
    "银行问起就说是自己消费",
)
MONEY_MOVE: tuple[str, ...] = (
    "请把卡里的钱全部转到我们提供的账户",
    "先转一笔钱到指定账户做核验，核验完原路退回",
    "需要先交一笔费用才能把钱放出来",
    "把资金转入这个账户就能保证安全",
    "先付一笔押金，完成后全额退还",
    "您需要再充一笔钱才能激活",
    "请先汇一笔钱过来证明您的能力",
    "交完这笔钱马上就能拿回全部资金",
    "把余额都转到新账户里避免被冻结",
    "先打一笔钱过来，我这边马上帮你处理",
    "要先缴纳解冻费才能把钱提出来",
    "需要补交一笔激活费，交完立刻到账",
    "先交百分之十的税费，这笔不能从里面扣",
    "把钱转到我个人账户，不要走正常渠道",
    "先垫付一部分，完成后连同之前的一起退给你",
    "按流程要先交认证费和手续费",
    "转一笔保证金过来证明诚意",
    "直接微信转我，不要通过平台付款",
    "再补一笔钱，之前的钱就能全部拿回来",
    "先付定金，剩下的到时候再说",
)
PROMISE: tuple[str, ...] = (
    "完成后全额退还给你",
    "保证不会有任何损失",
    "很快就能拿回来，还能多拿一些",
    "这是最后一步了，做完就结束",
    "别人都已经拿到钱了",
    "我们是正规的，你放心",
    "出了问题我负责",
    "这个机会一般人我不告诉",
)
LINK_OR_APP: tuple[str, ...] = (
    "点击链接 http://t.cn/a8Kx2 填写银行卡信息",
    "下载我发给你的APP，按提示操作",
    "打开会议软件，开启屏幕共享，我一步步指导你",
    "扫描这个二维码进入处理页面",
    "安装这个软件，输入我给你的邀请码",
    "登录这个网址 www.kf-help.cc 完成验证",
    "把收到的验证码报给我",
    "加一下我的私人号，后续在那边沟通",
    "下载这个软件注册，用我给的编号登录",
    "把你的银行卡号和密码发给我核对",
    "打开链接输入你收到的短信码",
    "我们换个聊天软件说，这里不方便",
)
CLOSING: tuple[str, ...] = (
    "请配合操作。",
    "按我说的做就不会有问题。",
    "我们会全程指导您。",
    "处理完就没事了。",
    "有问题随时找我。",
    "",
)
SLOT_TABLES: tuple[tuple[str, ...], ...] = (
    AUTHORITY,
    PRETEXT,
    URGENCY,
    SECRECY,
    MONEY_MOVE,
    PROMISE,
    LINK_OR_APP,
    CLOSING,
)

NORMAL_TEMPLATES: tuple[str, ...] = (
    "您尾号{d4}的储蓄卡{mm}月{dd}日支出人民币{amt}元，余额{amt2}元。",
    "验证码{d6}，用于登录验证，请勿泄露给他人，工作人员不会向您索要。",
    "您的包裹已到驿站，取件码{d4}，请尽快领取。",
    "本店周年庆全场{n}折，点击 http://shop.example.cn 查看详情，回T退订。",
    "提醒：凡是要求转账到安全账户的都是诈骗，请勿轻信陌生来电。",
    "您申请的贷款已审批通过，额度{n}万元，请登录手机银行签约，谨防诈骗。",
    "您本期账单{amt}元，还款日{mm}月{dd}日，请按时还款。",
    "您的订单已发货，单号SF{d6}{d4}，预计{n}天内送达。",
    "您的退款{amt}元已原路退回，请注意查收。",
    "会员积分将于{mm}月{dd}日到期，可登录官方APP兑换礼品。",
    "您的话费余额不足，为避免停机请通过官方渠道充值。",
    "明天上午{n}点开会，请各部门负责人准时参加。",
    "工资已发放，实发{amt}元，如有疑问请联系人事部。",
    "您预约的门诊时间为{mm}月{dd}日上午，请提前到自助机取号。",
    "您的账户密码已修改，如非本人操作请联系官方客服。",
    "晚上一起吃饭吗？我订了{n}点的位置。",
)

_CLAUSE = re.compile(r"[^。！？!?；;\n]+[。！？!?；;]?")


def intent_texts(n: int, seed: int = 0) -> list[str]:
    """``n`` fraud messages composed from the intent slot tables (3–6 slots each)."""
    rng = np.random.default_rng(seed)
    texts = []
    for _ in range(n):
        k = int(rng.integers(3, 7))
        chosen = sorted(rng.choice(len(SLOT_TABLES) - 1, size=k - 1, replace=False))
        parts = [_pick(rng, SLOT_TABLES[i]) for i in chosen]
        if MONEY_MOVE not in [SLOT_TABLES[i] for i in chosen]:
            parts.insert(len(parts) // 2, _pick(rng, MONEY_MOVE))  # the move is always there
        parts.append(_pick(rng, CLOSING))
        texts.append("，".join(p for p in parts if p))
    return texts


def hard_normal_texts(n: int, seed: int = 0) -> list[str]:
    """``n`` legitimate messages that look like scams on the surface."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        template = _pick(rng, NORMAL_TEMPLATES)
        out.append(
            template.format(
                d4=f"{rng.integers(0, 10_000):04d}",
                d6=f"{rng.integers(0, 1_000_000):06d}",
                mm=int(rng.integers(1, 13)),
                dd=int(rng.integers(1, 29)),
                amt=f"{rng.integers(5, 50_000)}.{rng.integers(0, 100):02d}",
                amt2=f"{rng.integers(5, 90_000)}.{rng.integers(0, 100):02d}",
                n=int(rng.integers(2, 10)),
            )
        )
    return out


def clauses(text: str) -> list[str]:
    """The clauses of a text (split at sentence punctuation), stripped, non-empty."""
    return [c.strip() for c in _CLAUSE.findall(text) if c.strip()]


def recombine(
    texts: Sequence[str], labels: Sequence[str], n: int, seed: int = 0
) -> tuple[list[str], list[str]]:
    """``n`` new texts: cross-type fraud clause mixes and normal carriers with an intent clause.

    Half are fraud texts whose clauses come from two or three different fraud types of the
    training data; half are a real normal text with one intent clause inserted. All are
    labelled :data:`AUGMENT_LABEL`. Types with no usable clauses are skipped.
    """
    rng = np.random.default_rng(seed)
    by_type: dict[str, list[str]] = {}
    normals: list[str] = []
    for text, label in zip(texts, labels, strict=True):
        if label == NORMAL:
            normals.append(text)
        else:
            by_type.setdefault(label, []).extend(c for c in clauses(text) if len(c) >= 6)
    types = [t for t, cs in by_type.items() if cs]
    out: list[str] = []
    for i in range(n):
        if i % 2 == 0 and len(types) >= 2:
            k = min(len(types), int(rng.integers(2, 4)))
            picked = rng.choice(len(types), size=k, replace=False)
            out.append("".join(_pick(rng, by_type[types[j]]) for j in picked))
        elif normals:
            carrier = clauses(_pick(rng, normals)) or [""]
            at = int(rng.integers(0, len(carrier) + 1))
            carrier.insert(at, _pick(rng, MONEY_MOVE) + "，" + _pick(rng, URGENCY) + "。")
            out.append("".join(carrier))
    return out, [AUGMENT_LABEL] * len(out)


def augment(
    texts: Sequence[str], labels: Sequence[str], scale: float = 0.5, seed: int = 0
) -> tuple[list[str], list[str]]:
    """Generated texts and labels to add to a training set of ``len(texts)`` rows.

    ``scale`` × the training size new rows in all: 40 % intent compositions, 30 %
    recombinations, 30 % hard normals (labelled ``正常``).
    """
    total = int(len(texts) * scale)
    n_intent, n_mix = int(total * 0.4), int(total * 0.3)
    n_normal = total - n_intent - n_mix
    mixed, mixed_labels = recombine(texts, labels, n_mix, seed + 1)
    out = intent_texts(n_intent, seed) + mixed + hard_normal_texts(n_normal, seed + 2)
    out_labels = [AUGMENT_LABEL] * n_intent + mixed_labels + [NORMAL] * n_normal
    return out, out_labels


def _pick(rng: np.random.Generator, items: Sequence[str]) -> str:
    return str(items[int(rng.integers(0, len(items)))])
