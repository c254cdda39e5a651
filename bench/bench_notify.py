"""10,000 automated warnings through the local SMPP and HTTP test servers, with receipts.

Run 1 (throughput): enqueue 10,000 SMS (half through the SMSC over SMPP 3.4, half through the
HTTP gateway), run ``fanzha notify run`` in a child process (with the hash-chained audit of
every send and receipt), and time until every row is ``delivered``.
Run 2 (crash): the same again, SIGKILL the dispatcher at ``--kill-at`` of the way, restart
it, and check that none was lost, none reached a handset twice and every receipt matched.

    python bench/bench_notify.py                  # 10,000 messages, both runs
    python bench/bench_notify.py --total 2000 --no-kill
    python bench/bench_notify.py --cmpp           # also: the same SMS over CMPP 2.0 (in-process)

Run 3 (``--cmpp``): 10,000 SMS through the local ISMG over CMPP 2.0, the dispatcher in this
process over a SQLite store (no audit), the connection dropped once mid-run; timed until every
row is ``delivered``, then checked: none lost, none to a handset twice, every receipt matched.
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


def cmpp_run(total: int) -> None:
    from sqlalchemy import func, select

    from fanzha.notify import config, outbox
    from fanzha.notify.dispatcher import Dispatcher
    from fanzha.notify.models import OutboxRow, ReceiptRow
    from fanzha.notify.testing.ismg import LocalIsmg
    from fanzha.store.database import make_engine, session_factory, transaction, upgrade

    ismg = LocalIsmg().start()
    ismg.drop_after = total // 3  # one connection drop mid-run: resent, recognised
    spec = {"host": "127.0.0.1", "port": ismg.port, "source_addr": "900001"}
    spec |= {"kind": "cmpp", "shared_secret": "secret", "per_second": 100000}
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'notify.db'}"
        upgrade(url)
        engine = make_engine(url)
        factory = session_factory(engine)
        intents = [
            outbox.Intent("warning", str(i), "sms", "auto-1", f"138{i:08d}", "t", crash.BODY)
            for i in range(total)
        ]
        with transaction(factory) as session:
            outbox.enqueue(session, intents, outbox.utcnow())
        channels, limiters = config.build({"sms": spec})
        policy = outbox.RetryPolicy(base_seconds=0.2)
        dispatcher = Dispatcher(factory, channels, limiters, policy=policy)
        start = time.perf_counter()
        try:
            dispatcher.run(receipt_wait=30, interval=0.05)
        finally:
            dispatcher.close()
        elapsed = time.perf_counter() - start
        with factory() as session:
            query = select(OutboxRow.status, func.count()).group_by(OutboxRow.status)
            statuses = dict(session.execute(query).all())
            receipts = session.scalar(select(func.count()).select_from(ReceiptRow))
        engine.dispose()
    ismg.stop()
    state = ismg.state
    twice = sum(1 for n in state.handsets.values() if n > 1)  # the text is one UCS2 part
    print(
        f"cmpp (in-process, no audit): {total:,} SMS in {elapsed:.1f} s = {total / elapsed:,.0f}/s"
        f"; statuses {statuses}; receipts {receipts:,}; handsets {len(state.handsets):,}, "
        f"sent twice {twice}, resends detected {state.duplicates}; load {_load()}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--total", type=int, default=10_000)
    parser.add_argument("--kill-at", type=float, default=0.4)
    parser.add_argument("--no-kill", action="store_true")
    parser.add_argument("--no-audit", action="store_true")
    parser.add_argument("--cmpp", action="store_true", help="also run the CMPP 2.0 run")
    parser.add_argument("--cmpp-only", action="store_true", help="only the CMPP 2.0 run")
    args = parser.parse_args()
    if args.cmpp or args.cmpp_only:
        cmpp_run(args.total)
    if args.cmpp_only:
        return
    throughput(args.total, audit=not args.no_audit)
    if not args.no_kill:
        crash_run(args.total, args.kill_at)


if __name__ == "__main__":
    main()
