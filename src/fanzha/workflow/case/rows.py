"""The case file format: its columns and header aliases, and one row → typed values.

One row per first-level payee account; the case columns are repeated on each row of a case
(or given only on its first row) and rows are grouped by ``case_no``. A case without any
account (cash handed over) is one row with the account columns empty.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from fanzha.core import fraud_types, idcard, phone
from fanzha.core.schemas import Column, Kind
from fanzha.workflow.case.schemas import fen_of

__all__ = [
    "ACCOUNT_COLUMNS",
    "CASES",
    "CASE_COLUMNS",
    "ParsedRow",
    "RowError",
    "parse_bool",
    "parse_row",
    "parse_time",
]


def _c(name: str, required: bool = False, description: str = "") -> Column:
    return Column(name, "text", required, description)


CASE_COLUMNS = (
    "case_no",
    "reported_at",
    "occurred_at",
    "phone",
    "id_number",
    "victim_age",
    "community",
    "station",
    "fraud_type",
    "loss",
    "solved",
    "solved_at",
    "arrests",
    "note",
)
ACCOUNT_COLUMNS = (
    "bank",
    "account",
    "paid",
    "paid_at",
    "stop_at",
    "stopped",
    "frozen_at",
    "frozen",
    "returned_at",
    "returned",
)
_ALIASES = {
    "案件编号": "case_no",
    "警情编号": "case_no",
    "案件号": "case_no",
    "警情号": "case_no",
    "报案编号": "case_no",
    "报案时间": "reported_at",
    "接警时间": "reported_at",
    "reporttime": "reported_at",
    "发案时间": "occurred_at",
    "案发时间": "occurred_at",
    "受害人手机号": "phone",
    "受害人电话": "phone",
    "报案人电话": "phone",
    "victimphone": "phone",
    "受害人身份证号": "id_number",
    "受害人年龄": "victim_age",
    "年龄": "victim_age",
    "age": "victim_age",
    "派出所": "station",
    "派出所编码": "station",
    "管辖派出所": "station",
    "损失金额": "loss",
    "被骗金额": "loss",
    "涉案金额": "loss",
    "损失": "loss",
    "是否破案": "solved",
    "破案": "solved",
    "破案时间": "solved_at",
    "抓获人数": "arrests",
    "抓获嫌疑人数": "arrests",
    "备注": "note",
    "简要案情": "note",
    "开户行": "bank",
    "收款银行": "bank",
    "银行": "bank",
    "收款账号": "account",
    "收款账户": "account",
    "一级账户": "account",
    "涉案账号": "account",
    "银行卡号": "account",
    "转账金额": "paid",
    "转入金额": "paid",
    "支付金额": "paid",
    "转账时间": "paid_at",
    "支付时间": "paid_at",
    "止付时间": "stop_at",
    "紧急止付时间": "stop_at",
    "止付金额": "stopped",
    "冻结时间": "frozen_at",
    "冻结金额": "frozen",
    "返还时间": "returned_at",
    "返还金额": "returned",
}
CASES = Kind(
    "cases",
    (
        _c("case_no", True, "case number (警情/案件编号): one case, many account rows"),
        _c("reported_at", True, "time of the report (报案时间)"),
        *(_c(n) for n in CASE_COLUMNS[2:]),
        *(_c(n) for n in ACCOUNT_COLUMNS),
    ),
    description="fraud cases: one row per first-level payee account",
    aliases=_ALIASES,
)

_TIME = re.compile(
    r"^(\d{4})[-/年.](\d{1,2})[-/月.](\d{1,2})日?"
    r"(?:[ T]+(\d{1,2})[:时](\d{1,2})(?:[:分](\d{1,2})(\.\d{1,6})?秒?)?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?$"
)
_TRUE = {"是", "已破", "已破案", "破案", "yes", "y", "true", "1", "solved"}
_FALSE = {"否", "未破", "未破案", "no", "n", "false", "0", ""}


class RowError(ValueError):
    """A value of a row cannot be used: which column and why."""

    def __init__(self, column: str, reason: str) -> None:
        super().__init__(reason)
        self.column = column
        self.reason = reason


def parse_time(text: str, zone: str) -> dt.datetime:
    """A written time (``2026-03-02 10:05[:00]``, ``2026/3/2 9:05``, ISO with offset,
    ``2026年3月2日 10:05``, a date alone) as a naive local time of ``zone``."""
    match = _TIME.match(text.strip())
    if match is None:
        raise ValueError(f"not a time: {text!r}")
    y, mo, d, h, mi, s, frac, offset = match.groups()
    micro = int((frac or ".0")[1:].ljust(6, "0"))
    value = dt.datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0), micro)
    if offset:
        value = dt.datetime.fromisoformat(
            value.isoformat() + ("+00:00" if offset == "Z" else offset)
        )
        value = value.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
    if not 1970 <= value.year <= 2100:
        raise ValueError(f"year out of range 1970–2100: {text!r}")
    return value


def parse_bool(text: str) -> bool:
    """是/否, yes/no, true/false, 1/0."""
    value = text.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"not yes or no (是/否): {text!r}")


@dataclass(frozen=True)
class ParsedRow:
    """One valid row: the case's values and (unless empty) the account's."""

    row: int
    case: dict[str, Any]  # CaseCreate fields (plus the case-level raw texts for consistency)
    account: dict[str, Any] | None  # AccountCreate fields
    id_hash: str | None
    texts: dict[str, str]  # the non-empty case-level texts, to compare rows of one case


def _text(row: dict[str, str | None], name: str) -> str:
    return (row.get(name) or "").strip()


def _typed(name: str, text: str, zone: str, key: str) -> Any:
    if name.endswith("_at"):
        return parse_time(text, zone)
    if name in ("loss", "paid", "stopped", "frozen", "returned"):
        fen_of(text)
        return text
    if name == "phone":
        phone.parse(text)
        return text
    if name == "id_number":
        return idcard.pseudonymise(text, key)
    if name in ("victim_age", "arrests"):
        number = float(text)
        if not number.is_integer() or number < 0:
            raise ValueError(f"not a whole number ≥ 0: {text!r}")
        return int(number)
    if name == "solved":
        return parse_bool(text)
    if name == "fraud_type":
        return fraud_types.parse(text)
    return text


def _values(
    row: dict[str, str | None], names: tuple[str, ...], zone: str, key: str
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in names:
        text = _text(row, name)
        if not text:
            continue
        try:
            values[name] = _typed(name, text, zone, key)
        except ValueError as exc:
            raise RowError(name, str(exc)) from exc
    return values


def parse_row(row_no: int, row: dict[str, str | None], zone: str, key: str) -> ParsedRow:
    """Type-check one row; :class:`RowError` names the first bad column."""
    for name in ("case_no", "reported_at"):
        if not _text(row, name):
            raise RowError(name, "missing value")
    case = _values(row, CASE_COLUMNS, zone, key)
    account = _values(row, ACCOUNT_COLUMNS, zone, key)
    if account and "account" not in account:
        raise RowError("account", "account values given without the account number")
    id_hash = case.pop("id_number", None)
    texts = {n: _text(row, n) for n in CASE_COLUMNS if _text(row, n)}
    return ParsedRow(row_no, case, account or None, id_hash, texts)
