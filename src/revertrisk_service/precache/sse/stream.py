"""A Wikimedia EventStreams (Server-Sent Events) consumer that reconnects forever.

Within a process, a reconnection resumes after the last event received (Last-Event-ID);
across restarts, the runner hands in the last *committed* id instead. With neither, `since`
(an ISO time) asks the server to replay from that moment.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import httpx
from httpx_sse import SSEError, aconnect_sse

from revertrisk_service.precache.metrics import RECONNECTS
from revertrisk_service.retry import RetryPolicy

log = logging.getLogger(__name__)

DEFAULT_STREAM_URL = "https://stream.wikimedia.org/v2/stream/mediawiki.page_change.v1"


@dataclass(frozen=True)
class StreamMessage:
    id: str | None
    data: str


class EventStream:
    def __init__(
        self,
        url: str = DEFAULT_STREAM_URL,
        *,
        user_agent: str,
        last_event_id: str | None = None,
        since: str | None = None,
        client: httpx.AsyncClient | None = None,
        backoff_initial_s: float = 1.0,
        backoff_max_s: float = 60.0,
        connect_timeout_s: float = 10.0,
        # Wikimedia sends keep-alive comments; a long silence means a dead connection.
        read_timeout_s: float = 60.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.url = url
        self.user_agent = user_agent
        self.last_event_id = last_event_id
        self.since = since
        self._client = client
        self._owns_client = client is None
        self.backoff_initial_s = backoff_initial_s
        self.backoff_max_s = backoff_max_s
        self._timeout = httpx.Timeout(
            connect=connect_timeout_s, read=read_timeout_s, write=10.0, pool=10.0
        )
        self._sleep = sleep
        self.connections = 0
        self.reconnects = 0

    async def messages(self) -> AsyncIterator[StreamMessage]:
        """Every message event, in order, forever. Never raises for network or server trouble."""
        client = self._client or httpx.AsyncClient(timeout=self._timeout)
        # Never gives up: no attempt limit.
        retries = RetryPolicy(self.backoff_initial_s, self.backoff_max_s).start()
        try:
            while True:
                try:
                    async for message in self._one_connection(client):
                        retries.reset()  # data flows again: start backoff over
                        yield message
                    log.info("Event stream %s closed by the server; reconnecting", self.url)
                    failure = None
                except (httpx.HTTPError, SSEError) as exc:
                    failure = exc
                delay = retries.next_delay()
                assert delay is not None  # no attempt limit
                if failure is not None:
                    log.warning(
                        "Event stream %s failed (%s: %s); reconnecting in %.1fs",
                        self.url,
                        type(failure).__name__,
                        failure,
                        delay,
                    )
                self.reconnects += 1
                RECONNECTS.inc()
                await self._sleep(delay)
        finally:
            if self._owns_client:
                await client.aclose()

    async def _one_connection(self, client: httpx.AsyncClient) -> AsyncIterator[StreamMessage]:
        headers = {"User-Agent": self.user_agent, "Accept": "text/event-stream"}
        params: dict[str, str] = {}
        if self.last_event_id:
            headers["Last-Event-ID"] = self.last_event_id
        elif self.since:
            params["since"] = self.since
        async with aconnect_sse(
            client, "GET", self.url, headers=headers, params=params, timeout=self._timeout
        ) as source:
            source.response.raise_for_status()
            self.connections += 1
            async for sse in source.aiter_sse():
                if sse.event != "message" or not sse.data:
                    continue
                event_id = sse.id or None
                if event_id:
                    # Recorded before yielding: the consumer owns the message once it has it.
                    self.last_event_id = event_id
                yield StreamMessage(event_id, sse.data)
