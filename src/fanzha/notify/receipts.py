"""Receipts: match them to outbox rows by provider id, store each once, settle the status.

A long SMS is ``delivered`` only when every part is; any failed, expired, refused or
unanswered part decides at once; a voice ``confirmed`` beats ``answered``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from fanzha.notify.channel import FINAL_STATUSES, Receipt
from fanzha.notify.outbox import (
    CLAIM_COLUMNS,
    OUTBOX,
    PROVIDER_IDS,
    RECEIPTS,
    AuditHook,
    Claimed,
    chunks,
    insert_ignoring,
    note,
)


def apply_receipts(
    session: Session,
    channel: str,
    receipts: Sequence[Receipt],
    now: dt.datetime,
    audit: AuditHook,
) -> list[Receipt]:
    """Store receipts for known provider ids; the ones matched (safe to acknowledge)."""
    p = PROVIDER_IDS.c
    owners: dict[str, int] = {}
    wanted = sorted({r.provider_id for r in receipts})
    for start in range(0, len(wanted), 900):
        owners.update(
            session.execute(
                select(p.provider_id, p.outbox_id).where(
                    p.channel == channel, p.provider_id.in_(wanted[start : start + 900])
                )
            ).all()
        )
    matched = [r for r in receipts if r.provider_id in owners]
    if not matched:
        return []
    values = [
        {
            "outbox_id": owners[r.provider_id],
            "provider_id": r.provider_id,
            "status": r.status,
            "at": now,
            "detail": dict(r.detail),
        }
        for r in matched
    ]
    session.execute(insert_ignoring(session, RECEIPTS).on_conflict_do_nothing(), values)
    _settle(session, sorted({owners[r.provider_id] for r in matched}), now, audit)
    return matched


def _settle(session: Session, outbox_ids: list[int], now: dt.datetime, audit: AuditHook) -> None:
    r, c = RECEIPTS.c, OUTBOX.c
    counts: dict[int, dict[str, int]] = {}
    rows: list[Any] = []
    for chunk in chunks(outbox_ids):
        for oid, status, n in session.execute(
            select(r.outbox_id, r.status, func.count())
            .where(r.outbox_id.in_(chunk))
            .group_by(r.outbox_id, r.status)
        ):
            counts.setdefault(oid, {})[status] = n
        rows.extend(
            session.execute(
                select(*[c[k] for k in CLAIM_COLUMNS], c.parts).where(c.id.in_(chunk))
            ).mappings()
        )
    notes, updates = [], []
    for row in rows:
        status = _aggregate(counts.get(row["id"], {}), row["parts"])
        if status is None or status == row["status"]:
            continue
        final = now if status in FINAL_STATUSES else None
        updates.append({"b_id": row["id"], "status": status, "final_at": final})
        values = {k: row[k] for k in CLAIM_COLUMNS if k != "status"}
        notes.append(note("notify.receipt", Claimed(**values, claim_token=""), now, status=status))
    if updates:
        session.execute(update(OUTBOX).where(c.id == bindparam("b_id")), updates)
    audit(session, notes)


def _aggregate(counts: dict[str, int], parts: int) -> str | None:
    for bad in ("failed", "expired", "refused", "no_answer"):
        if counts.get(bad):
            return bad
    if counts.get("confirmed"):
        return "confirmed"
    if counts.get("answered"):
        return "answered"
    if counts.get("delivered", 0) >= max(parts, 1):
        return "delivered"
    return None
