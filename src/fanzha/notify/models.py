"""The notify tables: the durable outbox, provider ids, receipts and broadcast groups.

``notify_outbox`` holds one row per intended send, keyed by what it is about (a warning or a
broadcast), the channel and an attempt key, with a unique constraint: enqueueing the same
intent twice is a no-op. ``ref`` is the client reference sent to the provider with every try
(the idempotency key a provider uses to detect a resend). A long SMS has several parts, each
with its own provider id (``notify_provider_ids``); receipts are kept once per part and status
(``notify_receipts``). ``not_before`` (migration ``0020_outbox_not_before``) keeps a queued
row from being claimed before that time (a repeated robot call an hour after the first).
Times are naive, in the clock of the caller and the dispatcher (UTC unless they pass one).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from fanzha.store.database import Base


class OutboxRow(Base):
    """One intended send to one recipient over one channel."""

    __tablename__ = "notify_outbox"
    __table_args__ = (
        UniqueConstraint("subject_type", "subject_id", "channel", "attempt_key"),
        Index("ix_notify_outbox_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ref: Mapped[str] = mapped_column(String(40), unique=True)
    subject_type: Mapped[str] = mapped_column(String(16))  # warning | broadcast
    subject_id: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(32))
    attempt_key: Mapped[str] = mapped_column(String(64))
    recipient: Mapped[str] = mapped_column(String(255))
    language: Mapped[str] = mapped_column(String(8))
    template: Mapped[str] = mapped_column(String(48))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(DateTime)
    not_before: Mapped[dt.datetime | None] = mapped_column(DateTime)
    claimed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    claim_token: Mapped[str | None] = mapped_column(String(32))
    provider_id: Mapped[str | None] = mapped_column(String(80))
    parts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    final_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class ProviderId(Base):
    """A provider's message id (one per SMS part) and the outbox row it belongs to."""

    __tablename__ = "notify_provider_ids"

    channel: Mapped[str] = mapped_column(String(32), primary_key=True)
    provider_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    outbox_id: Mapped[int] = mapped_column(Integer, ForeignKey("notify_outbox.id"), index=True)


class ReceiptRow(Base):
    """One delivery receipt or call outcome (kept once per part and status)."""

    __tablename__ = "notify_receipts"
    __table_args__ = (UniqueConstraint("outbox_id", "provider_id", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    outbox_id: Mapped[int] = mapped_column(Integer, ForeignKey("notify_outbox.id"), index=True)
    provider_id: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(16))
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class BroadcastGroup(Base):
    """A chat group (teachers, parents, residents) bound to one chat-robot webhook."""

    __tablename__ = "notify_groups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    area: Mapped[str] = mapped_column(String(64), index=True)  # district or street code
    audience: Mapped[str] = mapped_column(String(16))  # teachers | parents | residents
    school: Mapped[str | None] = mapped_column(String(120))
    grade: Mapped[str | None] = mapped_column(String(32))
    community: Mapped[str | None] = mapped_column(String(120))
    robot: Mapped[str] = mapped_column(String(16))  # wecom | dingtalk
    webhook_url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str | None] = mapped_column(String(200))  # DingTalk signing secret
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class Broadcast(Base):
    """A key warning or a new-scam-script alert pushed to the groups of an area and audience."""

    __tablename__ = "notify_broadcasts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # warning | script_alert
    fraud_type: Mapped[str] = mapped_column(String(48))
    warning_id: Mapped[int | None] = mapped_column(Integer)
    area: Mapped[str] = mapped_column(String(64))
    audience: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(160))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    # the desk form's key (migration 0017): the same request twice is one broadcast
    request_key: Mapped[str | None] = mapped_column(String(64), index=True, unique=True)


class Relay(Base):
    """Someone in a group (a teacher, a grid worker) reports having relayed a broadcast."""

    __tablename__ = "notify_relays"
    __table_args__ = (UniqueConstraint("broadcast_id", "group_id", "relayed_by"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    broadcast_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("notify_broadcasts.id"), index=True
    )
    group_id: Mapped[int] = mapped_column(Integer, ForeignKey("notify_groups.id"))
    relayed_by: Mapped[str] = mapped_column(String(120))
    reach: Mapped[int | None] = mapped_column(Integer)  # people it was forwarded to, if known
    at: Mapped[dt.datetime] = mapped_column(DateTime)
