"""Clock helpers: the desk keeps naive local times of the centre's zone, like the event store."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo


def utc_now() -> dt.datetime:
    """Naive UTC now, for bookkeeping columns."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def local_now(zone: str = "Asia/Shanghai") -> dt.datetime:
    """Naive local now in the centre's zone, the time base of warnings and SLA clocks."""
    return dt.datetime.now(ZoneInfo(zone)).replace(tzinfo=None)
