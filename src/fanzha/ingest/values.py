"""Accepted spellings of enum values (Chinese and English), mapped to the stored codes.

Matching is on the lower-cased, trimmed text. Every canonical code also maps to itself.
"""

from __future__ import annotations

from fanzha.core import schemas

__all__ = ["ENUM_ALIASES", "enum_mapping"]

ENUM_ALIASES: dict[str, dict[str, str]] = {
    "gender": {"male": "M", "男": "M", "男性": "M", "female": "F", "女": "F", "女性": "F"},
    "occupation": {
        "学生": "student",
        "退休": "retiree",
        "退休人员": "retiree",
        "金融": "finance",
        "财务": "finance",
        "会计": "finance",
        "职员": "office",
        "公司职员": "office",
        "白领": "office",
        "工人": "worker",
        "农民": "farmer",
        "商人": "merchant",
        "个体": "merchant",
        "个体工商户": "merchant",
        "无业": "unemployed",
        "待业": "unemployed",
        "互联网": "it",
        "教师": "teacher",
        "医务": "medical",
        "医生": "medical",
        "护士": "medical",
        "其他": "other",
    },
    "channel": {
        "银行": "bank",
        "网银": "bank",
        "手机银行": "mobile_bank",
        "支付宝": "alipay",
        "微信": "wechat",
        "atm": "atm_withdrawal",
        "atm取现": "atm_withdrawal",
        "取现": "atm_withdrawal",
        "柜台": "counter",
        "柜面": "counter",
    },
    "event": {"安装": "install", "卸载": "uninstall", "打开": "open", "启动": "open"},
    "kind": {
        "电话": "phone",
        "号码": "phone",
        "手机号": "phone",
        "网址": "url",
        "链接": "url",
        "域名": "domain",
        "应用": "app",
        "apk": "app",
        "账户": "account",
        "账号": "account",
        "银行卡": "account",
    },
}


def enum_mapping(kind: schemas.Kind, column: str) -> tuple[list[str], list[str]]:
    """Parallel lists (accepted lower-case spelling, stored code) for an enum column."""
    choices = kind.column(column).choices
    table = {c.lower(): c for c in choices}
    table.update({k.lower(): v for k, v in ENUM_ALIASES.get(column, {}).items() if v in choices})
    keys = sorted(table)
    return keys, [table[k] for k in keys]
