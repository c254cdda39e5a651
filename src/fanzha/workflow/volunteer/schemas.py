"""What a team is created or edited from (the teams page)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["TeamEdit"]


class TeamEdit(BaseModel):
    """A volunteer team: its code (default: the name), name, area and leader."""

    model_config = ConfigDict(str_strip_whitespace=True)

    code: str = Field("", max_length=64, description="unique; empty = the name")
    name: str = Field(min_length=1, max_length=128)
    community: str | None = Field(None, max_length=64)
    station: str | None = Field(None, max_length=64, description="else the community's")
    leader_id: int | None = Field(None, description="a member of the team (volunteers.id)")
