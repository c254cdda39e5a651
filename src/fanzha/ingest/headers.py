"""Header matching: which column of a file is which schema column.

Matching ignores case, spaces, ``_`` and ``-``, full-width forms (NFKC) and a trailing unit in
brackets (``通话时长（秒）`` matches ``通话时长``). A header matches, in this order: the schema
column name, an alias of the kind (:data:`KIND_ALIASES` and ``Kind.aliases``), or a common alias
(:data:`COMMON_ALIASES`) whose target the kind has. Other headers are extra columns: ignored,
and reported once.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from fanzha.core.schemas import Kind
from fanzha.errors import IngestError

__all__ = ["COMMON_ALIASES", "KIND_ALIASES", "HeaderMatch", "match_headers", "normalise_header"]

COMMON_ALIASES: dict[str, str] = {
    "手机号": "phone",
    "手机号码": "phone",
    "手机": "phone",
    "电话": "phone",
    "电话号码": "phone",
    "联系电话": "phone",
    "号码": "phone",
    "用户号码": "phone",
    "mobile": "phone",
    "msisdn": "phone",
    "phonenumber": "phone",
    "身份证号": "id_number",
    "身份证号码": "id_number",
    "身份证": "id_number",
    "公民身份号码": "id_number",
    "证件号码": "id_number",
    "idcard": "id_number",
    "时间": "time",
    "发生时间": "time",
    "日期时间": "time",
    "timestamp": "time",
    "datetime": "time",
    "诈骗类型": "fraud_type",
    "案件类型": "fraud_type",
    "类型": "fraud_type",
    "fraudtype": "fraud_type",
    "社区": "community",
    "社区编码": "community",
    "社区代码": "community",
    "村社区": "community",
    "来源": "source",
}

KIND_ALIASES: dict[str, dict[str, str]] = {
    "residents": {
        "出生年份": "birth_year",
        "出生年": "birth_year",
        "性别": "gender",
        "职业": "occupation",
        "sex": "gender",
    },
    "jurisdictions": {
        "社区名称": "community_name",
        "派出所": "station",
        "派出所编码": "station",
        "派出所代码": "station",
        "派出所名称": "station_name",
    },
    "calls": {
        "主叫号码": "caller",
        "主叫": "caller",
        "calling": "caller",
        "被叫号码": "callee",
        "被叫": "callee",
        "called": "callee",
        "通话开始时间": "start",
        "开始时间": "start",
        "starttime": "start",
        "通话时长": "duration_s",
        "时长": "duration_s",
        "duration": "duration_s",
        "串号": "imei",
        "设备串号": "imei",
        "基站": "cell",
        "小区": "cell",
        "基站小区": "cell",
        "cellid": "cell",
    },
    "sms": {
        "发送号码": "sender",
        "发送方": "sender",
        "主叫号码": "sender",
        "接收号码": "receiver",
        "接收方": "receiver",
        "被叫号码": "receiver",
        "发送时间": "time",
        "短信内容": "text",
        "内容": "text",
    },
    "url_visits": {"访问时间": "time", "网址": "url", "链接": "url"},
    "app_events": {"包名": "package", "应用包名": "package", "事件": "event", "操作": "event"},
    "transfers": {
        "手机号": "payer_phone",
        "手机号码": "payer_phone",
        "付款人手机号": "payer_phone",
        "付款账号": "payer_account",
        "付款账户": "payer_account",
        "转出账号": "payer_account",
        "收款账号": "payee_account",
        "收款账户": "payee_account",
        "转入账号": "payee_account",
        "金额": "amount",
        "交易金额": "amount",
        "转账金额": "amount",
        "交易时间": "time",
        "转账时间": "time",
        "渠道": "channel",
        "交易渠道": "channel",
    },
    "indicators": {
        "种类": "kind",
        "类别": "kind",
        "值": "value",
        "内容": "value",
        "置信度": "confidence",
        "生效时间": "valid_from",
        "失效时间": "valid_to",
    },
    "leads": {
        "预警级别": "level",
        "级别": "level",
        "等级": "level",
        "下发单位": "source_unit",
        "来源单位": "source_unit",
        "指令编号": "instruction_no",
        "指令号": "instruction_no",
        "预警时间": "time",
        "下发时间": "time",
        "简要案情": "narrative",
        "案情": "narrative",
    },
}

_UNIT = re.compile(r"\([^()]*\)$")
_IGNORED = re.compile(r"[\s_\-]+")


def normalise_header(text: str) -> str:
    """The comparison form of a header: NFKC, lower-case, no spaces/_/-, no trailing unit."""
    value = unicodedata.normalize("NFKC", str(text)).strip().lstrip("\ufeff").lower()
    value = _UNIT.sub("", value)
    return _IGNORED.sub("", value)


@dataclass(frozen=True)
class HeaderMatch:
    """Result of matching a file's header to a kind."""

    columns: dict[str, int]  # schema column -> position in the file
    extras: tuple[str, ...]  # headers that matched nothing (ignored)


def _lookup(kind: Kind) -> dict[str, str]:
    names = {c.name for c in kind.columns}
    table = {normalise_header(a): t for a, t in COMMON_ALIASES.items() if t in names}
    table.update({normalise_header(a): t for a, t in KIND_ALIASES.get(kind.name, {}).items()})
    table.update({normalise_header(a): t for a, t in kind.aliases.items()})
    table.update({normalise_header(n): n for n in names})
    return table


def match_headers(kind: Kind, header: list[str], file: Path) -> HeaderMatch:
    """Map ``header`` to the kind's columns; :class:`IngestError` if a required one is missing."""
    lookup = _lookup(kind)
    columns: dict[str, int] = {}
    extras: list[str] = []
    for position, text in enumerate(header):
        target = lookup.get(normalise_header(text)) if text is not None else None
        if target is None:
            extras.append(str(text) if text is not None else f"column {position + 1}")
        elif target in columns:
            raise IngestError(
                f"two columns of the header both mean {target!r}",
                file=file.name,
                column=str(text),
            )
        else:
            columns[target] = position
    missing = [c.name for c in kind.columns if c.required and c.name not in columns]
    if missing:
        raise IngestError(
            f"required column missing: {', '.join(missing)}", file=file.name, column=missing[0]
        )
    return HeaderMatch(columns, tuple(extras))
