"""The ``users`` and ``api_keys`` tables and their schemas."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field
from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from fanzha.store.database import Base
from fanzha.workflow.clock import utc_now
from fanzha.workflow.roles import Role


class User(Base):
    """A desk user. ``auth_epoch`` grows to invalidate every session of the user."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(128))
    role: Mapped[str] = mapped_column(String(32))
    station_code: Mapped[str | None] = mapped_column(
        String(64), ForeignKey("stations.code"), index=True
    )
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    on_duty: Mapped[bool] = mapped_column(Boolean, default=True)
    capacity: Mapped[int | None] = mapped_column(Integer)
    auth_epoch: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utc_now)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    @property
    def role_enum(self) -> Role:
        """The role as an enum."""
        return Role(self.role)


class ApiKey(Base):
    """A partner system's key: only a SHA-256 of the secret is stored."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    station_code: Mapped[str | None] = mapped_column(String(64), ForeignKey("stations.code"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utc_now)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)  # UTC; refused from then on
    revoked_by: Mapped[str | None] = mapped_column(String(160))
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime)  # UTC, to the minute


class LoginFailure(Base):
    """One failed login for a key (``user:<name>`` or ``addr:<address>``), shared by every
    server process; rows older than the lockout window are purged."""

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_key_at", "key", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(160))
    at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)  # UTC


class UserCreate(BaseModel):
    """A new user, as the admin page and the CLI give it."""

    username: str = Field(min_length=1, max_length=64, pattern=r"^[\w.\-]+$")
    display_name: str = Field(min_length=1, max_length=128)
    role: Role
    station_code: str | None = None
    password: str = Field(min_length=10, max_length=256)
    capacity: int | None = Field(None, ge=1, le=1000)


class UserRead(BaseModel):
    """A user as shown (never the hash)."""

    model_config = {"from_attributes": True}

    id: int
    username: str
    display_name: str
    role: str
    station_code: str | None
    active: bool
    on_duty: bool
