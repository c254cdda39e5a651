"""Campaign tables (migrations ``0011_publicity``, ``0016_publicity_client``): campaigns,
fixed publicity points, events and what an event found (hazards, potential victims dissuaded
on the spot)."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from fanzha.store.database import Base


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class EventKind(StrEnum):
    """Where an event goes (宣传 "进…")."""

    ENTERPRISE = "enterprise"  # 进企业
    COMMUNITY = "community"  # 进社区
    VILLAGE = "village"  # 进村庄
    CAMPUS = "campus"  # 进校园
    MARKET = "market"  # 集市
    FIXED_POINT = "fixed_point"  # 固定宣传点
    ONLINE = "online"  # 线上


EVENT_KINDS: dict[EventKind, tuple[str, str]] = {
    EventKind.ENTERPRISE: ("进企业", "company visit"),
    EventKind.COMMUNITY: ("进社区", "community event"),
    EventKind.VILLAGE: ("进村庄", "village event"),
    EventKind.CAMPUS: ("进校园", "school/campus event"),
    EventKind.MARKET: ("集市", "market day"),
    EventKind.FIXED_POINT: ("固定宣传点", "fixed publicity point"),
    EventKind.ONLINE: ("线上", "online"),
}


class Audience(StrEnum):
    """Whom a campaign addresses (the simulator's occupation groups and age bands)."""

    EVERYONE = "everyone"
    RETIREES = "retirees"  # 离退休/老年人
    STUDENTS = "students"  # 在校学生
    EMPLOYEES = "employees"  # 企业员工
    FARMERS = "farmers"  # 农村居民
    HOMEMAKERS = "homemakers"  # 宝妈/家庭主妇


AUDIENCES: dict[Audience, tuple[str, str]] = {
    Audience.EVERYONE: ("全体居民", "everyone"),
    Audience.RETIREES: ("老年人/离退休人员", "retirees"),
    Audience.STUDENTS: ("在校学生", "students"),
    Audience.EMPLOYEES: ("企业员工", "company employees"),
    Audience.FARMERS: ("农村居民", "villagers"),
    Audience.HOMEMAKERS: ("家庭主妇/宝妈", "homemakers"),
}


class FindingKind(StrEnum):
    """What an event found."""

    TWO_CARDS = "two_cards"  # 两卡 (phone card / bank card) rental or sale
    SUSPICIOUS_ACCOUNT = "suspicious_account"  # 可疑账户
    SUSPICIOUS_APP = "suspicious_app"  # 涉诈App
    OTHER_HAZARD = "other_hazard"  # 其他隐患
    DISSUADED = "dissuaded"  # 现场劝阻的潜在受害人


FINDING_KINDS: dict[FindingKind, tuple[str, str]] = {
    FindingKind.TWO_CARDS: ("两卡出租出售", "phone/bank card rental"),
    FindingKind.SUSPICIOUS_ACCOUNT: ("可疑账户", "suspicious account"),
    FindingKind.SUSPICIOUS_APP: ("涉诈App", "fraud app"),
    FindingKind.OTHER_HAZARD: ("其他隐患", "other hazard"),
    FindingKind.DISSUADED: ("现场劝阻", "dissuaded on the spot"),
}


class Campaign(Base):
    """A publicity campaign: theme, fraud types, audience, period and areas (communities)."""

    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    theme: Mapped[str] = mapped_column(String(200))
    fraud_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    audience: Mapped[str] = mapped_column(String(16), default=Audience.EVERYONE.value)
    starts_on: Mapped[dt.date] = mapped_column(Date, index=True)
    ends_on: Mapped[dt.date] = mapped_column(Date)
    areas: Mapped[list[str]] = mapped_column(JSON, default=list)  # community codes
    station: Mapped[str | None] = mapped_column(String(64), index=True)  # None: city-wide
    source: Mapped[str] = mapped_column(String(16), default="manual")  # manual / sim / plan
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(160), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)


class PublicityPoint(Base):
    """A fixed publicity point (固定宣传点), e.g. at a patrol post or a bank hall."""

    __tablename__ = "publicity_points"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    community: Mapped[str | None] = mapped_column(String(64))
    station: Mapped[str | None] = mapped_column(String(64), index=True)
    address: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class PublicityEvent(Base):
    """One event of a campaign (or a standalone one) with its figures."""

    __tablename__ = "publicity_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("campaigns.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    place: Mapped[str] = mapped_column(String(200), default="")
    community: Mapped[str | None] = mapped_column(String(64), index=True)
    station: Mapped[str | None] = mapped_column(String(64), index=True)
    held_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    team_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("volunteer_teams.id"))
    point_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("publicity_points.id"))
    participants: Mapped[int] = mapped_column(Integer, default=0)  # volunteers/staff present
    leaflets: Mapped[int] = mapped_column(Integer, default=0)
    banners: Mapped[int] = mapped_column(Integer, default=0)
    consultations: Mapped[int] = mapped_column(Integer, default=0)
    reached: Mapped[int] = mapped_column(Integer, default=0)  # people reached
    note: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(16), default="manual")
    recorded_by: Mapped[str] = mapped_column(String(160), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    # ``<kind>:<id>#<client_id>`` of an event sent over the API with a ``client_id``: the same
    # caller sending the same id again gets this event back (migration ``0016``).
    client_ref: Mapped[str | None] = mapped_column(String(100), index=True, unique=True)


class EventFinding(Base):
    """A hazard or a potential victim an event found; a lead (warning) when a phone is known."""

    __tablename__ = "event_findings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(Integer, ForeignKey("publicity_events.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    fraud_type: Mapped[str] = mapped_column(String(64), default="other")
    phone: Mapped[int | None] = mapped_column(BigInteger)  # personal data: on the warning too
    warning_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("warnings.id"))
    outcome: Mapped[str | None] = mapped_column(String(24))  # the outcome recorded with it
    note: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
