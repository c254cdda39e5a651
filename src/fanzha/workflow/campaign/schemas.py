"""What a campaign, an event, a finding and a fixed publicity point are created from (pages,
API, simulator)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from fanzha.workflow.campaign.models import Audience, EventKind, FindingKind

__all__ = ["CampaignCreate", "EventCreate", "FindingCreate", "PointEdit"]


class CampaignCreate(BaseModel):
    """A campaign: theme, fraud types, audience, period (days inclusive), areas."""

    code: str = Field(min_length=1, max_length=64)
    theme: str = Field(min_length=1, max_length=200)
    fraud_types: list[str] = Field(default_factory=list)
    audience: Audience = Audience.EVERYONE
    starts_on: dt.date
    ends_on: dt.date
    areas: list[str] = Field(default_factory=list, description="community codes")
    station: str | None = Field(None, max_length=64)
    note: str = Field("", max_length=4000)


class FindingCreate(BaseModel):
    """A hazard or a potential victim dissuaded on the spot."""

    kind: FindingKind
    fraud_type: str = "other"
    phone: str | None = Field(None, max_length=32, description="the person's phone, if known")
    note: str = Field("", max_length=2000)


class EventCreate(BaseModel):
    """One event with its figures and findings."""

    kind: EventKind
    held_at: dt.datetime
    place: str = Field("", max_length=200)
    community: str | None = Field(None, max_length=64)
    campaign_id: int | None = None
    team_id: int | None = None
    point_id: int | None = None
    participants: int = Field(0, ge=0, le=10_000)
    leaflets: int = Field(0, ge=0, le=1_000_000)
    banners: int = Field(0, ge=0, le=10_000)
    consultations: int = Field(0, ge=0, le=100_000)
    reached: int = Field(0, ge=0, le=1_000_000)
    note: str = Field("", max_length=4000)
    findings: list[FindingCreate] = Field(default_factory=list, max_length=200)


class PointEdit(BaseModel):
    """A fixed publicity point (固定宣传点): name, area, address; inactive ones stay listed."""

    model_config = ConfigDict(str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=128)
    community: str | None = Field(None, max_length=64)
    station: str | None = Field(None, max_length=64, description="else the community's")
    address: str = Field("", max_length=200)
    active: bool = True
