"""A small stdlib HTTP server, JSON in and out: the callback receiver and the test servers."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

# (method, path, query, headers, raw body) -> (status, JSON answer)
Handler = Callable[[str, str, dict[str, str], dict[str, str], bytes], tuple[int, Any]]


class JsonServer(ThreadingHTTPServer):
    """Serves ``handler`` on 127.0.0.1 at a free port in a daemon thread."""

    daemon_threads = True

    def __init__(self, handler: Handler, host: str = "127.0.0.1", port: int = 0) -> None:
        self.handler = handler
        super().__init__((host, port), _RequestHandler)

    @property
    def url(self) -> str:
        """``http://<host>:<port>``."""
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> JsonServer:
        """Serve in a daemon thread."""
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        self.shutdown()
        self.server_close()


class LocalService:
    """A local test server (SMS gateway, voice robot, chat robots): :meth:`_handle` on a
    :class:`JsonServer`, with ``url``, ``start`` and ``stop``."""

    def __init__(self) -> None:
        self.server = JsonServer(self._handle)

    @property
    def url(self) -> str:
        """Base URL."""
        return self.server.url

    def start(self) -> Self:
        """Serve in a daemon thread."""
        self.server.start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        self.server.stop()

    def _handle(
        self, method: str, path: str, query: dict[str, str], headers: dict[str, str], body: bytes
    ) -> tuple[int, Any]:
        raise NotImplementedError


class _RequestHandler(BaseHTTPRequestHandler):
    server: JsonServer
    protocol_version = "HTTP/1.1"

    def _serve(self) -> None:
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        status, answer = self.server.handler(self.command, parts.path, query, headers, body)
        data = json.dumps(answer, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = _serve  # noqa: N815 - the stdlib names handlers do_<METHOD>

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: no request logs (query strings and bodies hold numbers and keys)."""
