"""One Action API GET with retries, backoff and a hard deadline, mapped onto the error catalogue.

Retried: maxlag answers, HTTP 429 and 5xx, timeouts of one attempt and connection failures, with
exponential backoff plus jitter, honouring Retry-After. Never retried: other API errors, other
HTTP statuses and unparsable JSON, because asking again gives the same answer. No sleep ever runs
past the caller's deadline: if the wait would, the last error is returned at once. The waits are
the service's one retry policy (retry.py).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from revertrisk_service.errors import ServiceError, UpstreamTimeout, UpstreamUnavailable
from revertrisk_service.mediawiki import metrics
from revertrisk_service.mediawiki.parsing import api_error
from revertrisk_service.retry import RetryPolicy


@dataclass(frozen=True)
class Deadline:
    """A point on the monotonic clock by which a whole batch of work must be done."""

    expires_at: float

    @classmethod
    def after(cls, seconds: float) -> Deadline:
        return cls(time.monotonic() + seconds)

    def remaining(self) -> float:
        return self.expires_at - time.monotonic()


@dataclass(frozen=True)
class ApiQuery:
    """One Action API GET: where it goes, what it asks, and what it is counted and reported as."""

    url: str
    params: Mapping[str, str]
    headers: Mapping[str, str]
    # The metrics label of this kind of query (revisions, page creation, ...).
    kind: str
    # The wiki's host, named in the error a client reads.
    host: str


class _RetryableFailure(Exception):
    def __init__(self, error: ServiceError, reason: str, retry_after: float | None = None) -> None:
        super().__init__(error.message)
        self.error = error
        self.reason = reason
        self.retry_after = retry_after


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After in seconds, from either its delta-seconds or its HTTP-date form."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


class ApiCaller:
    """Sends Action API GETs over a shared httpx client; returns decoded JSON or raises ServiceError."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        timeout_s: float,
        max_retries: int,
        backoff_base_s: float,
        backoff_max_s: float,
        max_concurrency: int,
    ) -> None:
        self._http = http
        self._timeout_s = timeout_s
        self._retry = RetryPolicy(
            backoff_base_s, backoff_max_s, max_attempts=max_retries + 1, jitter=0.1
        )
        # Bounds how many requests one process has in flight, so a batch touching many pages
        # (one creation-time query each) does not open dozens of connections at once.
        self._slots = asyncio.Semaphore(max_concurrency)

    async def get_json(self, query: ApiQuery, deadline: Deadline) -> dict[str, Any]:
        retries = self._retry.start()
        while True:
            if deadline.remaining() <= 0:
                raise self._give_up(
                    query.kind,
                    UpstreamTimeout(
                        f"MediaWiki for {query.host} did not answer within the time allowed."
                    ),
                )
            try:
                return await self._attempt(query, deadline)
            except _RetryableFailure as failure:
                delay = retries.next_delay(failure.retry_after, within=deadline.remaining())
                if delay is None:
                    raise self._give_up(query.kind, failure.error) from None
                metrics.RETRIES.labels(query.kind, failure.reason).inc()
                await asyncio.sleep(delay)
            except ServiceError as error:
                raise self._give_up(query.kind, error) from None

    @staticmethod
    def _give_up(query_kind: str, error: ServiceError) -> ServiceError:
        metrics.GIVE_UPS.labels(query_kind, error.code).inc()
        return error

    async def _attempt(self, query: ApiQuery, deadline: Deadline) -> dict[str, Any]:
        """One try of get_json, waiting for a connection slot within the deadline."""
        try:
            async with asyncio.timeout(max(deadline.remaining(), 0.0)):
                await self._slots.acquire()
        except TimeoutError:
            raise UpstreamTimeout(
                f"MediaWiki for {query.host} did not answer within the time allowed."
            ) from None
        outcome = "ok"
        started = time.perf_counter()
        try:
            return await self._send(query, deadline)
        except _RetryableFailure as failure:
            outcome = failure.reason
            raise
        except _Classified as classified:
            outcome = classified.outcome
            raise classified.error from None
        finally:
            self._slots.release()
            metrics.REQUESTS.labels(query.kind, outcome).inc()
            metrics.LATENCY.labels(query.kind).observe(time.perf_counter() - started)

    async def _send(self, query: ApiQuery, deadline: Deadline) -> dict[str, Any]:
        """The exchange inside one try."""
        host = query.host
        # The per-attempt limit is also a hard cap on the whole exchange (httpx's own timeouts
        # apply per socket operation, so a server trickling bytes could otherwise stall us).
        limit = max(min(self._timeout_s, deadline.remaining()), 0.001)
        try:
            async with asyncio.timeout(limit):
                response = await self._http.get(
                    query.url, params=dict(query.params), headers=dict(query.headers), timeout=limit
                )
        except (TimeoutError, httpx.TimeoutException):
            raise _RetryableFailure(
                UpstreamTimeout(f"MediaWiki for {host} did not answer within the time allowed."),
                "timeout",
            ) from None
        except httpx.TransportError as exc:
            raise _RetryableFailure(
                UpstreamUnavailable(
                    f"Could not reach MediaWiki for {host} ({type(exc).__name__})."
                ),
                "connection_error",
            ) from None

        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        if response.status_code == 429:
            raise _RetryableFailure(
                UpstreamUnavailable(f"MediaWiki for {host} is rate limiting requests (HTTP 429)."),
                "http_429",
                retry_after,
            )
        if response.status_code >= 500:
            raise _RetryableFailure(
                UpstreamUnavailable(
                    f"MediaWiki for {host} failed with HTTP {response.status_code}."
                ),
                "http_5xx",
                retry_after,
            )
        if response.status_code != 200:
            raise _Classified(
                UpstreamUnavailable(
                    f"MediaWiki for {host} refused the request with HTTP {response.status_code}."
                ),
                "http_4xx",
            )
        try:
            payload = response.json()
        except ValueError:
            raise _Classified(
                UpstreamUnavailable(f"MediaWiki for {host} sent a response that is not JSON."),
                "invalid_json",
            ) from None
        if not isinstance(payload, dict):
            raise _Classified(
                UpstreamUnavailable(f"MediaWiki for {host} sent JSON that is not an object."),
                "invalid_json",
            )
        error = api_error(payload)
        if error is not None:
            code, info = error
            if code == "maxlag":
                raise _RetryableFailure(
                    UpstreamUnavailable(
                        f"MediaWiki for {host} is lagging behind its primary database (maxlag)."
                    ),
                    "maxlag",
                    retry_after,
                )
            raise _Classified(
                UpstreamUnavailable(
                    f"MediaWiki for {host} returned API error {code!r}: {info[:200]}"
                ),
                "api_error",
            )
        return payload


class _Classified(Exception):
    """A final failure together with the outcome label it is counted under."""

    def __init__(self, error: ServiceError, outcome: str) -> None:
        super().__init__(error.message)
        self.error = error
        self.outcome = outcome
