"""A real Server-Sent Events server on loopback that replays EventStreams-shaped events.

It honours Last-Event-ID (resumes after that event), records every request, can drop a
connection after N events, can answer 503 a few times, and keeps a connection open (with
keep-alive comments) once it has sent everything, like the real EventStreams does.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


def kafka_style_id(offset: int, topic: str = "eqiad.mediawiki.page_change.v1") -> str:
    """Ids shaped like EventStreams': a JSON list of topic/partition/offset assignments."""
    return json.dumps([{"topic": topic, "partition": 0, "offset": offset}])


@dataclass
class SeenRequest:
    last_event_id: str | None
    user_agent: str | None
    query: dict[str, list[str]]


@dataclass
class SSEServerState:
    events: list[tuple[str, str]] = field(default_factory=list)  # (id, data)
    # Events to send on each successive connection before dropping it; then unlimited.
    drop_after: list[int] = field(default_factory=list)
    fail_next: int = 0  # answer this many connections with 503 first
    # Like drop_after, but the connection is cut in the middle of the next event: its id line
    # and half of its data line are sent, the blank line that would end it never is.
    cut_mid_event_after: list[int] = field(default_factory=list)
    requests: list[SeenRequest] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    stopping: threading.Event = field(default_factory=threading.Event)


class SSEServer:
    def __init__(self) -> None:
        self.state = SSEServerState()
        state = self.state

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"  # the body ends when the connection closes

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                last_id = self.headers.get("Last-Event-ID")
                with state.lock:
                    state.requests.append(
                        SeenRequest(
                            last_id,
                            self.headers.get("User-Agent"),
                            parse_qs(urlsplit(self.path).query),
                        )
                    )
                    if state.fail_next > 0:
                        state.fail_next -= 1
                        fail = True
                    else:
                        fail = False
                    limit = state.drop_after.pop(0) if state.drop_after else None
                    cut = state.cut_mid_event_after.pop(0) if state.cut_mid_event_after else None
                    ids = [event_id for event_id, _ in state.events]
                    position = ids.index(last_id) + 1 if last_id in ids else 0
                if fail:
                    self.send_response(503)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                sent = 0
                try:
                    self.wfile.write(b": connected\n\n")
                    while not state.stopping.is_set():
                        with state.lock:
                            pending = state.events[position:]
                        for event_id, data in pending:
                            if limit is not None and sent >= limit:
                                return  # drop the connection mid-stream
                            if cut is not None and sent >= cut:
                                half = data[: len(data) // 2]
                                self.wfile.write(
                                    f"event: message\nid: {event_id}\ndata: {half}".encode()
                                )
                                self.wfile.flush()
                                return
                            self.wfile.write(
                                f"event: message\nid: {event_id}\ndata: {data}\n\n".encode()
                            )
                            self.wfile.flush()
                            position += 1
                            sent += 1
                        if not pending:
                            self.wfile.write(b": keep-alive\n\n")
                            self.wfile.flush()
                            time.sleep(0.02)
                except (BrokenPipeError, ConnectionResetError):
                    return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return (
            f"http://127.0.0.1:{self._server.server_address[1]}/v2/stream/mediawiki.page_change.v1"
        )

    def add_event(self, event: dict, offset: int | None = None) -> str:
        with self.state.lock:
            event_id = kafka_style_id(len(self.state.events) if offset is None else offset)
            self.state.events.append((event_id, json.dumps(event)))
        return event_id

    def add_raw(self, data: str) -> str:
        with self.state.lock:
            event_id = kafka_style_id(len(self.state.events))
            self.state.events.append((event_id, data))
        return event_id

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.state.stopping.set()
        self._server.shutdown()
        self._server.server_close()


@contextmanager
def running_sse_server() -> Iterator[SSEServer]:
    server = SSEServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()
