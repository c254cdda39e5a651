"""Crash-test harness (test and bench): the outbox in a SQLite file, ``fanzha notify run`` in
a child process killed with SIGKILL mid-batch and restarted, and the check that every
message reached its handset exactly once with its receipt recorded. The channels: SMPP
(``sms``, the local SMSC) and HTTP (``sms_http``, the local gateway), with ``cmpp`` also
CMPP 2.0 (``sms_cmpp``, the local ISMG)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from fanzha.notify import outbox
from fanzha.notify.models import OutboxRow, ReceiptRow
from fanzha.notify.testing.ismg import LocalIsmg
from fanzha.notify.testing.sms_gateway import LocalSmsGateway
from fanzha.notify.testing.smsc import LocalSmsc
from fanzha.store.database import make_engine, session_factory, transaction, upgrade

BODY = "【反诈预警】公检法机关不会通过电话办案，不会要求转账到安全账户。如有疑问请拨打110或96110。"


@dataclass
class Rig:
    """The servers, the database and the channels file of one run."""

    smsc: LocalSmsc
    gateway: LocalSmsGateway
    url: str
    channels_file: Path
    per_channel: int
    ismg: LocalIsmg | None = None

    @property
    def channels(self) -> int:
        """How many channels the run sends through."""
        return 2 if self.ismg is None else 3

    def accepted(self) -> int:
        """Messages the servers accepted so far."""
        cmpp = 0 if self.ismg is None else len(self.ismg.state.accepted)
        return len(self.smsc.state.accepted) + len(self.gateway.state.accepted) + cmpp

    def slow_down(self, delay: float) -> None:
        """Seconds per submit on every server (0 for full speed)."""
        self.smsc.delay = self.gateway.state.delay = delay
        if self.ismg is not None:
            self.ismg.delay = delay

    def stop(self) -> None:
        """Stop the servers."""
        self.smsc.stop()
        self.gateway.stop()
        if self.ismg is not None:
            self.ismg.stop()


def make_rig(tmp: Path, per_channel: int, *, cmpp: bool = False) -> Rig:
    """Start the servers, migrate a SQLite store, enqueue ``per_channel`` SMS per channel."""
    smsc, gateway = LocalSmsc().start(), LocalSmsGateway().start()
    ismg = LocalIsmg().start() if cmpp else None
    url = f"sqlite:///{tmp / 'notify.db'}"
    upgrade(url)
    specs = {
        "sms": {
            "kind": "smpp",
            "host": "127.0.0.1",
            "port": smsc.port,
            "system_id": "fanzha",
            "password": "secret",
            "per_second": 100000,
        },
        "sms_http": {
            "kind": "http_sms",
            "url": gateway.url,
            "token": "test-token",
            "per_second": 100000,
        },
    }
    prefixes = [("sms", "138"), ("sms_http", "139")]
    if ismg is not None:
        specs["sms_cmpp"] = {
            "kind": "cmpp",
            "host": "127.0.0.1",
            "port": ismg.port,
            "source_addr": ismg.source_addr,
            "shared_secret": ismg.shared_secret,
            "per_second": 100000,
        }
        prefixes.append(("sms_cmpp", "137"))
    channels_file = tmp / "channels.json"
    channels_file.write_text(json.dumps(specs), encoding="utf-8")
    engine = make_engine(url)
    intents = [
        outbox.Intent("warning", str(i), channel, "auto-1", f"{prefix}{i:08d}", "反诈预警", BODY)
        for channel, prefix in prefixes
        for i in range(per_channel)
    ]
    with transaction(session_factory(engine)) as session:
        outbox.enqueue(session, intents, outbox.utcnow())
    engine.dispose()
    return Rig(smsc, gateway, url, channels_file, per_channel, ismg)


def spawn(rig: Rig, tmp: Path, *, audit: bool = True, batch: int = 500) -> subprocess.Popen[str]:
    """``fanzha notify run`` on the rig, in a child process."""
    src = Path(__file__).resolve().parents[3]
    env = {
        **os.environ,
        "PYTHONPATH": str(src),
        "FANZHA_DATA_DIR": str(tmp / "var"),
        "FANZHA_NOTIFY_LEASE_SECONDS": "1",
        "FANZHA_NOTIFY_BATCH_SIZE": str(batch),
    }
    command = [
        sys.executable,
        "-m",
        "fanzha",
        "notify",
        "run",
        "--channels-file",
        str(rig.channels_file),
        "--database-url",
        rig.url,
        "--receipt-wait",
        "10",
    ]
    if not audit:
        command.append("--no-audit")
    return subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def kill_when(
    rig: Rig,
    process: subprocess.Popen[str],
    fraction: float,
    timeout: float = 120,
    *,
    cmpp_batch: int | None = None,
) -> int:
    """SIGKILL the dispatcher once ``fraction`` of the messages reached the servers (with
    ``cmpp_batch``, the dispatcher's batch size: once ``fraction`` of the CMPP messages reached
    the ISMG, in the middle of a CMPP batch); the number of outbox rows left in ``sending``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        if _due(rig, fraction, cmpp_batch):
            break
        time.sleep(0.005)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    return status_counts(rig).get("sending", 0)


def _due(rig: Rig, fraction: float, cmpp_batch: int | None) -> bool:
    if cmpp_batch is None or rig.ismg is None:
        return rig.accepted() >= int(rig.channels * rig.per_channel * fraction)
    accepted = len(rig.ismg.state.accepted)  # one part per message
    return accepted >= rig.per_channel * fraction and 0 < accepted % cmpp_batch < cmpp_batch // 2


def status_counts(rig: Rig, channel: str | None = None) -> dict[str, int]:
    """Outbox rows per status (of one channel, or of all)."""
    engine = make_engine(rig.url)
    query = select(OutboxRow.status, func.count()).group_by(OutboxRow.status)
    if channel is not None:
        query = query.where(OutboxRow.channel == channel)
    with session_factory(engine)() as session:
        counts = {status: int(n) for status, n in session.execute(query).all()}
    engine.dispose()
    return counts


def verify(rig: Rig) -> dict[str, Any]:
    """What reached the handsets and what the outbox recorded."""
    engine = make_engine(rig.url)
    with session_factory(engine)() as session:
        receipts = int(session.scalar(select(func.count()).select_from(ReceiptRow)) or 0)
    engine.dispose()
    smsc, gateway = rig.smsc.state, rig.gateway.state
    result: dict[str, Any] = {
        "statuses": status_counts(rig),
        "receipts": receipts,
        "smpp_handsets": len(smsc.handsets),
        "smpp_sent_twice": sum(1 for n in smsc.handsets.values() if n > 1),
        "smpp_resends_detected": smsc.duplicates,
        "smpp_unacked_receipts": len(smsc.queue),
        "http_handsets": len(gateway.handsets),
        "http_sent_twice": sum(1 for n in gateway.handsets.values() if n > 1),
        "http_resends_detected": gateway.duplicates,
        "http_unacked_receipts": len(gateway.reports),
    }
    if rig.ismg is not None:
        ismg = rig.ismg.state
        result |= {
            "cmpp_handsets": len(ismg.handsets),
            "cmpp_sent_twice": sum(1 for n in ismg.handsets.values() if n > 1),
            "cmpp_resends_detected": ismg.duplicates,
            "cmpp_unacked_receipts": len(ismg.queue),
        }
    return result
