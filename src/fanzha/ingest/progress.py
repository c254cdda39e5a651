"""Progress of long DuckDB statements, reported through the ingest progress callback."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import duckdb

__all__ = ["Progress", "watch_query"]

Progress = Callable[[str, int, int | None], None]  # file name, rows so far, total if known


@contextmanager
def watch_query(
    con: duckdb.DuckDBPyConnection, progress: Progress | None, name: str, total: int | None
) -> Iterator[None]:
    """While the block runs, poll DuckDB's query progress and report it as rows done."""
    if progress is None or not total:
        yield
        return
    stop = threading.Event()

    def poll() -> None:
        while not stop.wait(0.25):
            try:
                percent = con.query_progress()
            except duckdb.Error:
                continue
            if percent >= 0:
                progress(name, int(total * min(percent, 100.0) / 100), total)

    watcher = threading.Thread(target=poll, daemon=True)
    watcher.start()
    try:
        yield
    finally:
        stop.set()
        watcher.join()
        progress(name, total, total)
