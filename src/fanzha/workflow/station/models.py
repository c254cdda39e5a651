"""The ``stations`` and ``communities`` tables and their schemas."""

from __future__ import annotations

from pydantic import BaseModel, Field
from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from fanzha.store.database import Base


class Station(Base):
    """A police station; ``code`` is the jurisdiction table's station code."""

    __tablename__ = "stations"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Community(Base):
    """A community or village (社区/村) owned by one station."""

    __tablename__ = "communities"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    station_code: Mapped[str] = mapped_column(String(64), ForeignKey("stations.code"), index=True)


class StationCreate(BaseModel):
    """A new station."""

    code: str = Field(min_length=1, max_length=64, pattern=r"^[\w\-.]+$")
    name: str = Field(min_length=1, max_length=128)


class StationRead(BaseModel):
    """A station as shown."""

    model_config = {"from_attributes": True}

    code: str
    name: str
    active: bool
