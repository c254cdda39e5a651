"""The ``volunteer_teams`` and ``volunteers`` tables (migration ``0011_publicity``).

A volunteer's phone is the key of the roster (a re-import updates the same person); it is
stored as the int64 E.164 key, like every other phone, and shown masked (``138****5678``).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import BigInteger, Boolean, Date, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from fanzha.store.database import Base


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Category(StrEnum):
    """Who the volunteers are (the reference story's five groups)."""

    STAFF = "staff"  # 镇街/站所工作人员
    EMPLOYEE = "employee"  # 企业员工
    COMMUNITY = "community"  # 社区工作者 / 网格员
    STUDENT = "student"  # 学生
    VOLUNTEER = "volunteer"  # 志愿者 (other)


CATEGORY_NAMES: dict[Category, tuple[str, str]] = {
    Category.STAFF: ("镇街站所工作人员", "town/station staff"),
    Category.EMPLOYEE: ("企业员工", "company employee"),
    Category.COMMUNITY: ("社区工作者", "community worker"),
    Category.STUDENT: ("学生", "student"),
    Category.VOLUNTEER: ("志愿者", "volunteer"),
}


class Team(Base):
    """A volunteer team (e.g. a community's 蓝马甲 squad) with its leader."""

    __tablename__ = "volunteer_teams"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    station: Mapped[str | None] = mapped_column(String(64), index=True)
    community: Mapped[str | None] = mapped_column(String(64))
    leader_id: Mapped[int | None] = mapped_column(Integer)  # volunteers.id (no FK: a cycle)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)


class Volunteer(Base):
    """One member of the roster. Personal data: ``name`` and ``phone`` (purged by retention)."""

    __tablename__ = "volunteers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    phone: Mapped[int | None] = mapped_column(BigInteger, unique=True)  # None once purged
    name: Mapped[str] = mapped_column(String(64))
    organisation: Mapped[str] = mapped_column(String(128), default="")
    category: Mapped[str] = mapped_column(String(16), default=Category.VOLUNTEER.value)
    station: Mapped[str | None] = mapped_column(String(64), index=True)
    community: Mapped[str | None] = mapped_column(String(64))
    team_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("volunteer_teams.id"))
    joined_on: Mapped[dt.date | None] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    left_on: Mapped[dt.date | None] = mapped_column(Date)  # the retention clock starts here
    source: Mapped[str] = mapped_column(String(16), default="import")  # import / manual / sim
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now, onupdate=_now)
