"""Warning texts per fraud type, in Chinese and English, in the style of the 12381 SMS.

Three forms per type: ``sms`` (automated warning to one resident), ``voice`` (the robot call's
script; it asks the resident to press 1 to confirm) and ``group`` (a chat-group alert for
teachers, parents and residents, with an optional officer-written ``{script}`` line).
The rules of 12381 practice, checked by :func:`check_text` on every template and on every
officer-written text: no links, no telephone numbers other than 110 and 96110, no personal
data (a template has no placeholder for a name, a number or an account).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from fanzha.core.fraud_types import BY_CODE
from fanzha.errors import ConfigError

FORMS = ("sms", "voice", "group")
LANGUAGES = ("zh", "en")
ALLOWED_NUMBERS = frozenset({"110", "96110"})
_LINK = re.compile(r"(https?://|www\.|\b[\w-]+\.(com|cn|net|org|top|xyz|vip)\b)", re.I)
_NUMBER = re.compile(r"\d[\d\- ]{1,}\d|\d")

_PREFIX = {"zh": "【反诈预警】", "en": "[Anti-fraud warning] "}
_ADVICE = {
    "zh": "如有疑问请拨打110或96110。",
    "en": "If in doubt, call 110 or 96110.",
}
_VOICE_END = {
    "zh": "您好，这里是反诈中心。{core}如您已知晓，请按1确认。{advice}",
    "en": "Hello, this is the anti-fraud centre. {core} If you understood, press 1. {advice}",
}
_GROUP = {
    "zh": "**反诈预警：{type}**\n\n{core}{script}\n\n请老师、家长和居民转告身边人。{advice}",
    "en": "**Anti-fraud alert: {type}**\n\n{core}{script}\n\nPlease pass this on. {advice}",
}

# The warning itself, per type and language (one or two sentences, no numbers).
CORE: dict[str, dict[str, str]] = {
    "task_rebate": {
        "zh": "刷单返利都是诈骗，先垫付后返利的任务不要做。",
        "en": "Paid 'tasks' that ask you to pay first and promise rebates are always a scam.",
    },
    "fake_investment": {
        "zh": "网上荐股、高收益理财平台多为诈骗，切勿下载陌生投资软件或转账。",
        "en": "Online tips and high-return platforms are mostly scams; install no unknown "
        "investment app and send no money.",
    },
    "fake_shopping": {
        "zh": "网购请走正规平台，不要私下转账或扫码付款。",
        "en": "Shop only through the platform itself; never pay privately or by a scanned code.",
    },
    "fake_customer_service": {
        "zh": "自称客服说要理赔、退款或关闭服务的来电多为诈骗，不要共享屏幕或转账。",
        "en": "Callers posing as customer service offering refunds or claims are scammers; "
        "never share your screen or transfer money.",
    },
    "fake_loan": {
        "zh": "放贷前要求交保证金、解冻费的都是诈骗，请通过正规金融机构贷款。",
        "en": "A loan that needs a deposit or an 'unfreezing fee' first is a scam; borrow only "
        "from a licensed bank.",
    },
    "fake_credit": {
        "zh": "征信不能花钱修复或注销，自称能消除不良记录的都是诈骗。",
        "en": "A credit record cannot be repaired or erased for money; anyone offering it is a "
        "scammer.",
    },
    "impersonate_boss": {
        "zh": "领导或熟人通过网络要求转账时，请当面或电话核实，切勿直接汇款。",
        "en": "When a boss or friend asks online for a transfer, check in person or by a known "
        "phone first.",
    },
    "impersonate_police": {
        "zh": "公检法机关不会通过电话办案，不会要求转账到安全账户。",
        "en": "Police and courts never handle cases by phone and never ask you to move money "
        "to a 'safe account'.",
    },
    "romance": {
        "zh": "网上结识的恋人带您投资、博彩或借钱，都是杀猪盘诈骗。",
        "en": "An online sweetheart who leads you to invest, gamble or lend money is a scammer.",
    },
    "game_trade": {
        "zh": "游戏账号、装备私下交易和免费领皮肤多为诈骗，请提醒孩子不要转账。",
        "en": "Private game-account deals and 'free skins' are mostly scams; remind children "
        "never to pay.",
    },
    "other": {
        "zh": "凡是陌生人要求转账、提供验证码的，都可能是诈骗。",
        "en": "Anyone unknown who asks for a transfer or a verification code may be a scammer.",
    },
}


@dataclass(frozen=True)
class Rendered:
    """A rendered text and the template it came from (``<type>.<form>.<language>``)."""

    template: str
    title: str
    body: str


def check_text(text: str, *, keypad: bool = False) -> None:
    """Refuse a text that breaks the 12381 rules (links, numbers other than 110/96110);
    ``keypad``: a voice script may also name the key to press (``1``)."""
    if _LINK.search(text):
        raise ConfigError("warning texts carry no links")
    allowed = ALLOWED_NUMBERS | ({"1"} if keypad else set())
    for number in _NUMBER.findall(text):
        if re.sub(r"\D", "", number) not in allowed:
            raise ConfigError("warning texts carry no numbers other than 110 and 96110")


def render(fraud_type: str, form: str, language: str, *, script: str | None = None) -> Rendered:
    """The text of ``form`` for ``fraud_type`` (a sub-type uses its parent's) in ``language``."""
    code = fraud_type.partition("/")[0]
    if code not in CORE:
        code = "other"
    if form not in FORMS or language not in LANGUAGES:
        raise ConfigError("unknown template form or language", form=form, language=language)
    core, advice = CORE[code][language], _ADVICE[language]
    name = BY_CODE[code].zh if language == "zh" else BY_CODE[code].en.split(" (")[0]
    if form == "sms":
        body = f"{_PREFIX[language]}{core}{'' if language == 'zh' else ' '}{advice}"
    elif form == "voice":
        body = _VOICE_END[language].format(core=core, advice=advice)
    else:
        line = ""
        if script:
            check_text(script)
            line = ("\n\n新话术：" if language == "zh" else "\n\nNew script: ") + script.strip()
        body = _GROUP[language].format(type=name, core=core, script=line, advice=advice)
    check_text(body, keypad=form == "voice")
    title = f"反诈预警：{name}" if language == "zh" else f"Anti-fraud alert: {name}"
    return Rendered(f"{code}.{form}.{language}", title, body)
