"""Start a Redis server (Debian's ``redis-server`` 7) for the stream: CLI, tests, benchmarks."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

import redis

from fanzha.errors import StreamError


def redis_binary() -> str | None:
    """Path of ``redis-server``, or ``None`` when it is not installed."""
    return shutil.which("redis-server")


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def start_redis(directory: Path, port: int, *, durable: bool = True) -> subprocess.Popen[bytes]:
    """Run ``redis-server`` on ``127.0.0.1:port`` with its files in ``directory``.

    ``durable`` turns the append-only file on with an fsync every second (what production
    wants: an acknowledged event survives a broker restart); tests may turn it off.
    """
    binary = redis_binary()
    if binary is None:
        raise StreamError("redis-server is not installed (Debian package redis-server)")
    directory.mkdir(parents=True, exist_ok=True)
    args = [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(directory)]
    args += ["--save", "", "--appendonly", "yes" if durable else "no", "--daemonize", "no"]
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _wait(port, process)
    return process


def _wait(port: int, process: subprocess.Popen[bytes], seconds: float = 10.0) -> None:
    client = redis.Redis(host="127.0.0.1", port=port)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise StreamError("redis-server exited at start", port=port)
        try:
            client.ping()
            return
        except redis.ConnectionError:
            time.sleep(0.05)
    process.terminate()
    raise StreamError("redis-server did not answer", port=port)
