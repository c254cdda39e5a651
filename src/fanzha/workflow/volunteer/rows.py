"""The volunteer roster's file format: columns, Chinese/English headers, one row → values."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from fanzha.core import phone
from fanzha.core.schemas import Column, Kind
from fanzha.workflow.case.rows import RowError, parse_bool, parse_time
from fanzha.workflow.volunteer.models import CATEGORY_NAMES, Category

__all__ = ["COLUMNS", "VOLUNTEERS", "ParsedVolunteer", "parse_category", "parse_volunteer"]

COLUMNS = (
    "name",
    "phone",
    "organisation",
    "category",
    "station",
    "community",
    "team",
    "team_leader",
    "joined",
    "active",
    "left",
)
_ALIASES = {
    "姓名": "name",
    "志愿者姓名": "name",
    "手机号": "phone",
    "手机号码": "phone",
    "联系电话": "phone",
    "电话": "phone",
    "mobile": "phone",
    "单位": "organisation",
    "工作单位": "organisation",
    "所在单位": "organisation",
    "organization": "organisation",
    "类别": "category",
    "人员类别": "category",
    "身份": "category",
    "派出所": "station",
    "所属派出所": "station",
    "社区": "community",
    "所属社区": "community",
    "村社区": "community",
    "队伍": "team",
    "所属队伍": "team",
    "志愿队": "team",
    "小队": "team",
    "队长": "team_leader",
    "是否队长": "team_leader",
    "leader": "team_leader",
    "加入时间": "joined",
    "加入日期": "joined",
    "入队时间": "joined",
    "joinedon": "joined",
    "是否在岗": "active",
    "在岗": "active",
    "状态": "active",
    "离队时间": "left",
    "退出时间": "left",
    "lefton": "left",
}
VOLUNTEERS = Kind(
    "volunteers",
    (
        Column("name", "text", True, "the volunteer's name (姓名)"),
        Column("phone", "text", True, "mobile phone: the key of the roster (手机号)"),
        *(Column(n, "text", False) for n in COLUMNS[2:]),
    ),
    description="the volunteer roster (蓝马甲): one row per person",
    aliases=_ALIASES,
)
_CATEGORY_WORDS: dict[str, Category] = {
    "工作人员": Category.STAFF,
    "镇街": Category.STAFF,
    "站所": Category.STAFF,
    "镇街工作人员": Category.STAFF,
    "企业": Category.EMPLOYEE,
    "员工": Category.EMPLOYEE,
    "企业职工": Category.EMPLOYEE,
    "社区": Category.COMMUNITY,
    "网格员": Category.COMMUNITY,
    "社工": Category.COMMUNITY,
    "大学生": Category.STUDENT,
    "在校学生": Category.STUDENT,
    "": Category.VOLUNTEER,
}
_ACTIVE = {"在岗": True, "在册": True, "正常": True, "离队": False, "退出": False, "停用": False}


def parse_category(text: str) -> Category:
    """A category from its code, Chinese or English name, or a common word for it."""
    value = text.strip().lower()
    for category, (zh, en) in CATEGORY_NAMES.items():
        if value in (category.value, zh, en):
            return category
    if value in _CATEGORY_WORDS:
        return _CATEGORY_WORDS[value]
    choices = "、".join(zh for zh, _ in CATEGORY_NAMES.values())
    raise ValueError(f"unknown category {text!r} (one of {choices})")


def _date(text: str) -> dt.date:
    return parse_time(text, "UTC").date()


def _active(text: str) -> bool:
    return _ACTIVE[text.strip()] if text.strip() in _ACTIVE else parse_bool(text)


@dataclass(frozen=True)
class ParsedVolunteer:
    """One valid roster row."""

    row: int
    phone: int
    values: dict[str, Any]  # name, organisation, category, station, community, dates, active
    team: str | None
    team_leader: bool


def _typed(name: str, text: str) -> Any:
    if name in ("joined", "left"):
        return _date(text)
    if name == "active":
        return _active(text)
    if name == "team_leader":
        return parse_bool(text)
    if name == "category":
        return parse_category(text).value
    if name == "phone":
        key = phone.parse(text)
        if phone.kind(key) not in (phone.PhoneKind.MOBILE, phone.PhoneKind.VIRTUAL):
            raise ValueError(f"not a mobile number: {text!r}")
        return key
    return text.strip()


def parse_volunteer(row_no: int, row: dict[str, str | None]) -> ParsedVolunteer:
    """Type-check one row; :class:`RowError` names the first bad column."""
    values: dict[str, Any] = {}
    for name in COLUMNS:
        text = (row.get(name) or "").strip()
        if not text:
            if name in ("name", "phone"):
                raise RowError(name, "missing value")
            continue
        try:
            values[name] = _typed(name, text)
        except (ValueError, KeyError) as exc:
            raise RowError(name, str(exc)) from exc
    if values.get("left") and values.get("joined") and values["left"] < values["joined"]:
        raise RowError("left", "left before joining")
    if values.get("left") and "active" not in values:
        values["active"] = False
    key, team = values.pop("phone"), values.pop("team", None)
    leader = bool(values.pop("team_leader", False))
    if leader and not team:
        raise RowError("team_leader", "a team leader needs a team")
    return ParsedVolunteer(row_no, key, values, team, leader)
