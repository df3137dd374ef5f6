"""A request kept in flight on a thread while the test stops the server under it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import httpx

from revertrisk_devtools.flaky_api import FlakyApi


class InFlight:
    def __init__(self, send: Callable[[], httpx.Response], wiki: FlakyApi, timeout_s: float = 30) -> None:
        """Sends on a thread and returns once the request has reached the (slowed) wiki."""
        self._outcome: httpx.Response | Exception | None = None
        self._thread = threading.Thread(target=self._send, args=(send,))
        self._thread.start()
        deadline = time.monotonic() + timeout_s
        while not wiki.requests and time.monotonic() < deadline:
            time.sleep(0.05)
        assert wiki.requests, "the request never reached MediaWiki"

    def _send(self, send: Callable[[], httpx.Response]) -> None:
        try:
            self._outcome = send()
        except httpx.HTTPError as error:
            self._outcome = error

    def outcome(self, timeout_s: float = 40) -> httpx.Response | Exception | None:
        self._thread.join(timeout=timeout_s)
        return self._outcome
