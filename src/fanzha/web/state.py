"""What the app keeps between requests: settings, database, desk configuration, clock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from fanzha.notify import MemoryChannel
from fanzha.settings import Settings
from fanzha.web.security import LoginThrottle, SessionCodec
from fanzha.workflow.warning.routing import DeskConfig


@dataclass
class DeskState:
    """One per app; reachable as ``request.app.state.desk``."""

    settings: Settings
    engine: Engine
    factory: sessionmaker[Session]
    config: DeskConfig
    codec: SessionCodec
    throttle: LoginThrottle
    inbox: MemoryChannel
    clock: Callable[[], dt.datetime]
