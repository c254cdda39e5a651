"""Crash-test harness (test and bench): the outbox in a SQLite file, ``fanzha notify run`` in
a child process killed with SIGKILL mid-batch and restarted, and the check that every
message reached its handset exactly once with its receipt recorded."""

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

    def stop(self) -> None:
        """Stop the servers."""
        self.smsc.stop()
        self.gateway.stop()


def make_rig(tmp: Path, per_channel: int) -> Rig:
    """Start the servers, migrate a SQLite store, enqueue ``per_channel`` SMS per channel."""
    smsc, gateway = LocalSmsc().start(), LocalSmsGateway().start()
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
    channels_file = tmp / "channels.json"
    channels_file.write_text(json.dumps(specs), encoding="utf-8")
    engine = make_engine(url)
    intents = [
        outbox.Intent("warning", str(i), channel, "auto-1", f"{prefix}{i:08d}", "反诈预警", BODY)
        for channel, prefix in (("sms", "138"), ("sms_http", "139"))
        for i in range(per_channel)
    ]
    with transaction(session_factory(engine)) as session:
        outbox.enqueue(session, intents, outbox.utcnow())
    engine.dispose()
    return Rig(smsc, gateway, url, channels_file, per_channel)


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
    rig: Rig, process: subprocess.Popen[str], fraction: float, timeout: float = 120
) -> int:
    """SIGKILL the dispatcher once ``fraction`` of the messages reached the servers; the
    number of outbox rows it left in ``sending``."""
    target = int(2 * rig.per_channel * fraction)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        if len(rig.smsc.state.accepted) + len(rig.gateway.state.accepted) >= target:
            break
        time.sleep(0.005)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    return status_counts(rig).get("sending", 0)


def status_counts(rig: Rig) -> dict[str, int]:
    """Outbox rows per status."""
    engine = make_engine(rig.url)
    with session_factory(engine)() as session:
        rows = session.execute(
            select(OutboxRow.status, func.count()).group_by(OutboxRow.status)
        ).all()
        counts = {status: int(n) for status, n in rows}
    engine.dispose()
    return counts


def verify(rig: Rig) -> dict[str, Any]:
    """What reached the handsets and what the outbox recorded."""
    engine = make_engine(rig.url)
    with session_factory(engine)() as session:
        receipts = int(session.scalar(select(func.count()).select_from(ReceiptRow)) or 0)
    engine.dispose()
    smsc, gateway = rig.smsc.state, rig.gateway.state
    return {
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
