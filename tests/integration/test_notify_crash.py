"""SIGKILL mid-batch: no message lost, none sent twice, every receipt matched."""

from __future__ import annotations

from pathlib import Path

import pytest

from fanzha.notify.testing import crash

pytestmark = [pytest.mark.slow, pytest.mark.integration]


def test_notify_sigkill_mid_batch_loses_nothing_and_sends_nothing_twice(tmp_path: Path) -> None:
    per_channel = 1500
    rig = crash.make_rig(tmp_path, per_channel)
    rig.smsc.delay = rig.gateway.state.delay = 0.001  # a batch takes long enough to be hit
    try:
        first = crash.spawn(rig, tmp_path, batch=200)
        left_sending = crash.kill_when(rig, first, fraction=0.4)
        assert left_sending > 0, "the kill did not land mid-batch"
        rig.smsc.delay = rig.gateway.state.delay = 0.0
        second = crash.spawn(rig, tmp_path, batch=200)
        _, err = second.communicate(timeout=180)
        assert second.returncode == 0, err
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
