"""A real HTTP server on loopback standing in for EventGate: it records every event posted.

It can start on a port chosen in advance (so a test can point a poster at it while it is still
down), and can be told to answer the next requests with a given status.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class EventSink:
    def __init__(self, port: int = 0) -> None:
        self.events: list[dict[str, Any]] = []
        self.requests: list[dict[str, str]] = []
        self.statuses: list[int] = []  # answers for the next requests; then 201
        self._lock = threading.Lock()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with sink._lock:
                    sink.requests.append(dict(self.headers.items()))
                    status = sink.statuses.pop(0) if sink.statuses else 201
                    if status < 300:
                        payload = json.loads(body)
                        sink.events.extend(payload if isinstance(payload, list) else [payload])
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1/events?hasty=true"

    def wait_for(self, count: int, timeout_s: float = 20.0) -> list[dict[str, Any]]:
        """The events received, once there are at least `count` (bounded wait)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.events) >= count:
                    return list(self.events)
            time.sleep(0.05)
        with self._lock:
            raise AssertionError(f"expected {count} events, got {len(self.events)}: {self.events}")

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@contextmanager
def running_sink(port: int = 0) -> Iterator[EventSink]:
    sink = EventSink(port)
    sink.start()
    try:
        yield sink
    finally:
        sink.stop()
