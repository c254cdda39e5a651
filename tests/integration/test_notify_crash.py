"""SIGKILL mid-batch: no message lost, none sent twice, every receipt matched."""

from __future__ import annotations

from pathlib import Path

import pytest

from fanzha.notify.testing import crash

pytestmark = [pytest.mark.slow, pytest.mark.integration]

BATCH = 200


def _run(rig: crash.Rig, tmp_path: Path, *, cmpp_batch: int | None = None) -> dict[str, int]:
    """Kill the dispatcher at 40 %, restart it; the rows left in ``sending`` per channel."""
    rig.slow_down(0.001)  # a batch takes long enough to be hit
    first = crash.spawn(rig, tmp_path, batch=BATCH)
    left_sending = crash.kill_when(rig, first, fraction=0.4, cmpp_batch=cmpp_batch)
    assert left_sending > 0, "the kill did not land mid-batch"
    left = {c: crash.status_counts(rig, c).get("sending", 0) for c in ("sms", "sms_cmpp")}
    rig.slow_down(0.0)
    second = crash.spawn(rig, tmp_path, batch=BATCH)
    _, err = second.communicate(timeout=180)
    assert second.returncode == 0, err
    return left


def test_notify_sigkill_mid_batch_loses_nothing_and_sends_nothing_twice(tmp_path: Path) -> None:
    per_channel = 1500
    rig = crash.make_rig(tmp_path, per_channel)
    try:
        _run(rig, tmp_path)
        result = crash.verify(rig)
    finally:
        rig.stop()
    assert result["statuses"] == {"delivered": 2 * per_channel}
    assert result["receipts"] == 2 * per_channel
    assert result["smpp_handsets"] == result["http_handsets"] == per_channel
    assert result["smpp_sent_twice"] == result["http_sent_twice"] == 0
    # the rows left in 'sending' were resent with their reference and recognised
    assert result["smpp_resends_detected"] + result["http_resends_detected"] > 0
    assert result["smpp_unacked_receipts"] == result["http_unacked_receipts"] == 0


def test_notify_sigkill_mid_cmpp_batch_loses_nothing_and_sends_nothing_twice(
    tmp_path: Path,
) -> None:
    per_channel = 1000
    rig = crash.make_rig(tmp_path, per_channel, cmpp=True)
    try:
        left = _run(rig, tmp_path, cmpp_batch=BATCH)
        result = crash.verify(rig)
    finally:
        rig.stop()
    assert left["sms_cmpp"] > 0, "the kill did not land in a CMPP batch"
    assert result["statuses"] == {"delivered": 3 * per_channel}
    assert result["receipts"] == 3 * per_channel
    assert result["smpp_handsets"] == result["http_handsets"] == per_channel
    assert result["cmpp_handsets"] == per_channel
    assert result["smpp_sent_twice"] == result["http_sent_twice"] == 0
    # the CMPP rows left in 'sending' had reached the ISMG: resent with their Reserve digest,
    # recognised, never shown twice (without the recognition a handset would get two)
    assert result["cmpp_resends_detected"] > 0
    assert result["cmpp_sent_twice"] == 0
    assert result["smpp_unacked_receipts"] == result["http_unacked_receipts"] == 0
    assert result["cmpp_unacked_receipts"] == 0
