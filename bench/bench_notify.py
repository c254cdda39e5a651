"""10,000 automated warnings through the local SMPP and HTTP test servers, with receipts.

Run 1 (throughput): enqueue 10,000 SMS (half through the SMSC over SMPP 3.4, half through the
HTTP gateway), run ``fanzha notify run`` in a child process (with the hash-chained audit of
every send and receipt), and time until every row is ``delivered``.
Run 2 (crash): the same again, SIGKILL the dispatcher at ``--kill-at`` of the way, restart
it, and check that none was lost, none reached a handset twice and every receipt matched.

    python bench/bench_notify.py                  # 10,000 messages, both runs
    python bench/bench_notify.py --total 2000 --no-kill
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from fanzha.notify.testing import crash


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def throughput(total: int, audit: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        rig = crash.make_rig(Path(tmp), total // 2)
        try:
            start = time.perf_counter()
            process = crash.spawn(rig, Path(tmp), audit=audit)
            _, err = process.communicate(timeout=600)
            elapsed = time.perf_counter() - start
            result = crash.verify(rig)
        finally:
            rig.stop()
    if process.returncode:
        raise SystemExit(err)
    print(
        f"throughput ({'audited' if audit else 'no audit'}): {total:,} SMS in {elapsed:.1f} s"
        f" = {total / elapsed:,.0f}/s (process start and receipt wait included); "
        f"load {_load()}"
    )
    print(f"  {result}")


def crash_run(total: int, kill_at: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        rig = crash.make_rig(Path(tmp), total // 2)
        try:
            start = time.perf_counter()
            left = crash.kill_when(rig, crash.spawn(rig, Path(tmp)), kill_at)
            killed = time.perf_counter() - start
            time.sleep(1.0)  # the lease of the killed dispatcher's claims
            process = crash.spawn(rig, Path(tmp))
            _, err = process.communicate(timeout=600)
            elapsed = time.perf_counter() - start
            result = crash.verify(rig)
        finally:
            rig.stop()
    if process.returncode:
        raise SystemExit(err)
    lost = total - result["statuses"].get("delivered", 0)
    twice = result["smpp_sent_twice"] + result["http_sent_twice"]
    print(
        f"crash: SIGKILL after {killed:.1f} s with {left} rows in 'sending'; all done after "
        f"{elapsed:.1f} s; lost {lost}, sent twice {twice}, resends detected "
        f"{result['smpp_resends_detected'] + result['http_resends_detected']}, receipts "
        f"{result['receipts']:,}; load {_load()}"
    )
    print(f"  {result}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--total", type=int, default=10_000)
    parser.add_argument("--kill-at", type=float, default=0.4)
    parser.add_argument("--no-kill", action="store_true")
    parser.add_argument("--no-audit", action="store_true")
    args = parser.parse_args()
    throughput(args.total, audit=not args.no_audit)
    if not args.no_kill:
        crash_run(args.total, args.kill_at)


if __name__ == "__main__":
    main()
