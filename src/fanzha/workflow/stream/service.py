"""Checkpoint and level-raise rows of the stream consumer (keyword-only, caller commits)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fanzha.workflow.stream.models import StreamCheckpoint, StreamRaise


def get(*, session: Session, name: str) -> StreamCheckpoint | None:
    """The checkpoint of consumer ``name``, if it ever committed."""
    return session.get(StreamCheckpoint, name)


def advance(
    *,
    session: Session,
    name: str,
    offset: str,
    events: int,
    rules_version: str,
    now: dt.datetime,
    snapshot: bytes | None = None,
    lookups_version: str | None = None,
    lookups: bytes | None = None,
) -> StreamCheckpoint:
    """Move the committed offset (and, with ``snapshot``, the snapshot) of ``name``.

    ``lookups_version``/``lookups``: the lookups the events after this snapshot are scored
    with; recorded only together with a snapshot.
    """
    if lookups_version is not None and snapshot is None:
        raise ValueError("lookups are recorded only with a snapshot")
    row = session.get(StreamCheckpoint, name)
    if row is None:
        row = StreamCheckpoint(name=name, snapshot_events=0)
        session.add(row)
    row.offset, row.events, row.rules_version, row.updated_at = offset, events, rules_version, now
    if snapshot is not None:
        row.snapshot, row.snapshot_offset, row.snapshot_events = snapshot, offset, events
    if lookups_version is not None:
        row.lookups_version, row.lookups = lookups_version, lookups
    return row


def record_raises(
    *,
    session: Session,
    raises: Iterable[tuple[str, dt.datetime, int, str | None, dt.datetime]],
    now: dt.datetime,
) -> int:
    """Log the levels first reached (resident, episode start, level, offset, when)."""
    n = 0
    for resident, start, level, offset, reached in raises:
        session.add(
            StreamRaise(
                resident_id=resident,
                episode_start=start,
                level=level,
                offset=offset or "",
                reached_at=reached,
                committed_at=now,
            )
        )
        n += 1
    return n


def raise_count(*, session: Session) -> int:
    """How many level raises the stream has logged."""
    return int(session.scalar(select(func.count()).select_from(StreamRaise)) or 0)
