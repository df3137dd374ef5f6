"""A real HTTP server on loopback that plays a small synthetic wiki's Action API, badly on purpose.

Tests queue failure steps (503, 429 with Retry-After, maxlag errors, slow answers, dropped
connections, garbage bodies); each incoming request consumes the next step, and once the script
is spent the server answers like a tiny wiki whose revisions are generated from their ids.
Every request is recorded so tests can count attempts and check the headers that were sent.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit


@dataclass(frozen=True)
class Step:
    """How to answer one request. body None means: the synthetic wiki's normal answer."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    drop: bool = False


def unavailable(status: int = 503, retry_after: str | None = None) -> Step:
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    return Step(status=status, body={"error": "backend down"}, headers=headers)


def rate_limited(retry_after: str = "0") -> Step:
    return Step(status=429, body={"error": "slow down"}, headers={"Retry-After": retry_after})


def maxlag(retry_after: str = "0") -> Step:
    # What MediaWiki sends when replicas lag beyond `maxlag`: HTTP 200, an error object, and
    # Retry-After / X-Database-Lag headers.
    body = {
        "error": {
            "code": "maxlag",
            "info": "Waiting for 10.64.0.1: 7 seconds lagged.",
            "host": "10.64.0.1",
            "lag": 7,
            "type": "db",
        },
        "servedby": "mw-api-int.eqiad",
    }
    return Step(body=body, headers={"Retry-After": retry_after, "X-Database-Lag": "7"})


def api_failure(code: str = "internal_api_error_DBQueryError") -> Step:
    return Step(body={"error": {"code": code, "info": "A database query error has occurred."}})


def slow(delay_s: float) -> Step:
    return Step(delay_s=delay_s)


def dropped() -> Step:
    return Step(drop=True)


def garbage() -> Step:
    return Step(body=b"<html>Wikimedia Error</html>", headers={"Content-Type": "text/html"})


@dataclass(frozen=True)
class RecordedRequest:
    path: str
    params: dict[str, str]
    headers: dict[str, str]


class SyntheticWiki:
    """Revisions generated from ids: every revision r has parent r - 1 and lives on page 1.

    The sets let a test make specific revisions missing, text-hidden or of another content model.
    """

    def __init__(self) -> None:
        self.missing: set[int] = set()
        self.text_hidden: set[int] = set()
        self.user_hidden: set[int] = set()
        self.content_models: dict[int, str] = {}
        self.page_creations: set[int] = set()
        self.ip_editors: set[int] = set()
        self.temp_editors: set[int] = set()

    def answer(self, params: dict[str, str]) -> dict[str, Any]:
        if params.get("list") == "users":
            return self._users(params["ususers"].split("|"))
        if "pageids" in params:
            return self._first_revision(int(params["pageids"]))
        if "revids" in params:
            return self._revisions([int(r) for r in params["revids"].split("|")])
        return {"error": {"code": "badvalue", "info": "Unexpected query."}}

    def _revision(self, rev_id: int) -> dict[str, Any]:
        rev: dict[str, Any] = {
            "revid": rev_id,
            "parentid": 0 if rev_id in self.page_creations else rev_id - 1,
            "minor": False,
            "timestamp": "2024-03-01T10:00:00Z",
            "size": 100 + rev_id % 7,
            "sha1": "0" * 40,
            "comment": f"edit {rev_id}",
            "tags": ["mobile edit"] if rev_id % 2 else [],
        }
        if rev_id in self.user_hidden:
            rev["userhidden"] = True
        elif rev_id in self.ip_editors:
            rev.update({"user": "192.0.2.7", "userid": 0, "anon": True})
        elif rev_id in self.temp_editors:
            rev.update({"user": "~2025-10000-1", "userid": 900, "temp": True})
        else:
            rev.update({"user": f"Editor{rev_id % 3}", "userid": rev_id % 3 + 1})
        slot: dict[str, Any] = {
            "contentmodel": self.content_models.get(rev_id, "wikitext"),
            "contentformat": "text/x-wiki",
        }
        if rev_id in self.text_hidden:
            slot["texthidden"] = True
        else:
            slot["content"] = f"'''Synthetic''' text of revision {rev_id}."
        rev["slots"] = {"main": slot}
        return rev

    def _revisions(self, rev_ids: list[int]) -> dict[str, Any]:
        present = [self._revision(r) for r in rev_ids if r not in self.missing]
        query: dict[str, Any] = {}
        gone = [r for r in rev_ids if r in self.missing]
        if gone:
            query["badrevids"] = {str(r): {"revid": r, "missing": True} for r in gone}
        if present:
            query["pages"] = [
                {"pageid": 1, "ns": 0, "title": "Synthetic page", "revisions": present}
            ]
        return {"batchcomplete": True, "query": query}

    def _users(self, names: list[str]) -> dict[str, Any]:
        users = []
        for name in names:
            if name.startswith("~"):
                users.append(
                    {
                        "userid": 900,
                        "name": name,
                        "editcount": 1,
                        "groups": ["*"],
                        "registration": "2025-01-01T00:00:00Z",
                        "temp": True,
                    }
                )
            else:
                users.append(
                    {
                        "userid": int(name[-1]) + 1,
                        "name": name,
                        "editcount": 42,
                        "registration": "2019-06-01T00:00:00Z",
                        "groups": ["*", "user", "autoconfirmed"],
                    }
                )
        return {"batchcomplete": True, "query": {"users": users}}

    def _first_revision(self, page_id: int) -> dict[str, Any]:
        return {
            "continue": {"rvcontinue": "20010115000000|2", "continue": "||"},
            "query": {
                "pages": [
                    {
                        "pageid": page_id,
                        "ns": 0,
                        "title": "Synthetic page",
                        "revisions": [{"timestamp": "2001-01-15T00:00:00Z"}],
                    }
                ]
            },
        }


class FlakyApi:
    """Threaded loopback server; use `running()` to get one that stops when the test ends."""

    def __init__(self, wiki: SyntheticWiki | None = None, port: int = 0) -> None:
        self.wiki = wiki or SyntheticWiki()
        self.requests: list[RecordedRequest] = []
        self._script: list[Step] = []
        # Answered to every request once the script is spent, when set (e.g. "always 503").
        self.fallback: Step | None = None
        self._lock = threading.Lock()
        # A fixed port lets a test start the wiki where a running client already points.
        self._server = ThreadingHTTPServer(("127.0.0.1", port), self._handler_class())
        self._server.daemon_threads = True
        # A short poll interval makes shutdown (and so each test's teardown) quick.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def push(self, *steps: Step) -> None:
        with self._lock:
            self._script.extend(steps)

    def requests_with(self, param: str) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if param in r.params]

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def _next_step(self, request: RecordedRequest) -> Step:
        with self._lock:
            self.requests.append(request)
            if self._script:
                return self._script.pop(0)
            return self.fallback or Step()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in separate writes: without this, Nagle delays each answer.
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:
                pass  # keep test output clean

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                params = dict(parse_qsl(parts.query, keep_blank_values=True))
                recorded = RecordedRequest(parts.path, params, dict(self.headers.items()))
                step = api._next_step(recorded)
                if step.delay_s:
                    time.sleep(step.delay_s)
                if step.drop:
                    self.close_connection = True
                    return
                body = step.body if step.body is not None else api.wiki.answer(params)
                raw = body if isinstance(body, bytes) else json.dumps(body).encode()
                try:
                    self.send_response(step.status)
                    headers = {"Content-Type": "application/json; charset=utf-8", **step.headers}
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(raw)))
                    self.end_headers()
                    self.wfile.write(raw)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting, as the timeout tests intend

        return Handler


@contextmanager
def running(wiki: SyntheticWiki | None = None, port: int = 0) -> Iterator[FlakyApi]:
    api = FlakyApi(wiki, port)
    api.start()
    try:
        yield api
    finally:
        api.stop()
