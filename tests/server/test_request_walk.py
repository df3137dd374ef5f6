"""One predict request walks down the layers once: the HTTP edge, the KServe model, the scoring
engine, and what lies below. Checked on the real app as `revertrisk serve` builds it
(server.app.build_server), answering in process, as uvicorn hands it a request, a miss (fetched
from a real MediaWiki and scored) and then a hit of the same revision (answered at the door by
the held hits).

How it is traced: `sys.setprofile` on the event loop's thread records every call of a function
defined in src/revertrisk_service while the request is answered (the request's middleware, the
model's steps and the engine; the scoring call itself runs in the scoring pool's thread and is
one step of the walk). A coroutine that resumes after an await is a call too, with the stack of
coroutines that await it, so every recorded stack is the request's real chain of callers.

What "enters each module once" means here, for a module M (a top-level package, as the layers
of tests/test_architecture.py name them):
- no re-entry: M never appears twice on one call stack with another module between, that is,
  once the walk has left M for a deeper module, nothing below calls back up into M;
- one parse: the body is decoded (serving.body.parse_json_body) once and the request parsed
  (serving.requests.parse_request) once, whichever layers read them.

The server runs in a child process, since it builds on KServe's process-wide app.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections import Counter
from types import CodeType, FrameType
from typing import Any

import pytest

ROOT = "revertrisk_service"
ONCE = ("serving.body.parse_json_body", "serving.requests.parse_request")


def package_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == ROOT and len(parts) > 1 else None


def stack_packages(frame: FrameType | None, channels: set[CodeType]) -> list[str] | None:
    """The packages along the call stack, outermost first, repeats in a row merged; None when
    the call runs inside an ASGI channel (see the module docstring)."""
    chain: list[str] = []
    while frame is not None:
        if frame.f_code in channels:
            return None
        package = package_of(frame.f_globals.get("__name__", ""))
        if package is not None and (not chain or chain[-1] != package):
            chain.append(package)
        frame = frame.f_back
    return chain[::-1]


def reentered(chain: list[str]) -> str | None:
    """The first package that appears twice on `chain` (merged as by stack_packages)."""
    seen: set[str] = set()
    for package in chain:
        if package in seen:
            return package
        seen.add(package)
    return None


class Walk:
    """What one request's calls looked like (see the module docstring)."""

    def __init__(self) -> None:
        self.reentries: dict[str, list[str]] = {}
        self.calls: Counter[str] = Counter()
        self.packages: set[str] = set()
        # The code of every function handed to an ASGI app as its `receive` or `send`.
        self.channels: set[CodeType] = set()

    def __call__(self, frame: FrameType, event: str, arg: Any) -> None:
        if event != "call":
            return
        code = frame.f_code
        if {"receive", "send"} <= set(code.co_varnames[: code.co_argcount]):
            for name in ("receive", "send"):
                channel = getattr(frame.f_locals.get(name), "__code__", None)
                if channel is not None:
                    self.channels.add(channel)
        module = frame.f_globals.get("__name__", "")
        package = package_of(module)
        if package is None:
            return
        self.packages.add(package)
        name = f"{module.removeprefix(ROOT + '.')}.{code.co_name}"
        self.calls[name] += 1
        chain = stack_packages(frame, self.channels)
        again = reentered(chain) if chain is not None else None
        if again is not None:
            self.reentries.setdefault(f"{again} re-entered in {name}", chain or [])


async def asgi_request(
    app: Any, method: str, path: str, body: bytes
) -> tuple[int, dict[str, str]]:
    """One request as uvicorn hands it over: a small body comes whole, in one message."""
    messages = [{"type": "http.request", "body": body, "more_body": False}]
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
        "scheme": "http", "path": path, "raw_path": path.encode(), "root_path": "",
        "query_string": b"", "client": ("127.0.0.1", 50000), "server": ("walk", 80),
        "headers": [(b"host", b"walk"), (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode())],
    }  # fmt: skip
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    start = sent[0]
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in start["headers"]}
    return start["status"], headers


async def walk_of_one_predict(wiki_url: str, rev_id: int) -> dict[str, Any]:
    from kserve.model_server import FASTAPI_APP_IMPORT_STRING
    from kserve.protocol.rest.server import RESTServer

    from revertrisk_service.config import Settings
    from revertrisk_service.model_table import LANGUAGE_AGNOSTIC
    from revertrisk_service.server.app import build_server, predict_route_first

    settings = Settings(
        wiki_url=wiki_url, models=LANGUAGE_AGNOSTIC, scoring_processes=0, redis_url=None
    )
    served = build_server(settings)
    for model in served.models:
        served.server.register_model(model)
    # What KServe's server does when it starts, but serving on a socket.
    RESTServer(
        FASTAPI_APP_IMPORT_STRING,
        served.server.dataplane,
        served.server.model_repository_extension,
        settings.http_port,
    ).create_application()
    predict_route_first(served.app)
    body = json.dumps({"lang": "en", "rev_id": rev_id}).encode()
    path = f"/v1/models/{LANGUAGE_AGNOSTIC}:predict"
    found: dict[str, Any] = {}
    # What a process does once (its middleware stack, lazy imports), outside the walks.
    await asgi_request(served.app, "GET", "/v1/models", b"")
    for answer in ("miss", "hit"):
        walk = Walk()
        sys.setprofile(walk)
        try:
            status, headers = await asgi_request(served.app, "POST", path, body)
        finally:
            sys.setprofile(None)
        found[answer] = {
            "status": status,
            "x_cache": headers.get("x-cache"),
            "reentries": walk.reentries,
            "calls": {name: walk.calls[name] for name in ONCE},
            "packages": sorted(walk.packages),
            "through_kserve": walk.calls["serving.model.preprocess"] > 0,
        }
    await served.models[0].scoring.settled()
    return found


@pytest.fixture(scope="module")
def walks(local_wiki) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    rev_id = local_wiki.revs["registered_edit"]
    done = subprocess.run(
        [sys.executable, __file__, local_wiki.base_url, str(rev_id)],
        capture_output=True,
        text=True,
        env=env,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return json.loads(done.stdout.splitlines()[-1])


@pytest.mark.e2e
@pytest.mark.parametrize("answer", ["miss", "hit"])
def test_the_request_was_answered_as_expected(walks: dict[str, Any], answer: str) -> None:
    assert walks[answer]["status"] == 200
    assert walks[answer]["x_cache"] == answer


@pytest.mark.e2e
def test_the_hit_was_answered_at_the_door(walks: dict[str, Any]) -> None:
    assert walks["miss"]["through_kserve"] is True
    assert walks["hit"]["through_kserve"] is False


@pytest.mark.e2e
@pytest.mark.parametrize("answer", ["miss", "hit"])
def test_no_module_is_reentered(walks: dict[str, Any], answer: str) -> None:
    assert walks[answer]["reentries"] == {}


@pytest.mark.e2e
@pytest.mark.parametrize("answer", ["miss", "hit"])
def test_the_body_is_decoded_and_parsed_once(walks: dict[str, Any], answer: str) -> None:
    assert walks[answer]["calls"] == dict.fromkeys(ONCE, 1)


@pytest.mark.e2e
def test_the_miss_walks_down_through_the_engine(walks: dict[str, Any]) -> None:
    """The trace saw the layers it checks (a walk that traced nothing would pass the others)."""
    assert {"http", "serving", "scoring", "mediawiki"} <= set(walks["miss"]["packages"])


def test_a_reentry_is_found() -> None:
    assert reentered(["http", "serving", "scoring"]) is None
    assert reentered(["http", "serving", "scoring", "serving"]) == "serving"


if __name__ == "__main__":
    print(json.dumps(asyncio.run(walk_of_one_predict(sys.argv[1], int(sys.argv[2])))))
