"""In-process de-duplication: concurrent requests for the same key share one computation."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any


class FlightAbandoned(Exception):
    """The owner of a key went away (its task was cancelled) without a result.

    A waiter should claim the key again and, if it becomes the owner, compute it itself:
    one client hanging up must not fail everyone else who asked for the same revision.
    """


class SingleFlight:
    """Either `claim(key)` returns None and the caller owns the key and must call exactly one of
    `resolve` / `fail` / `abandon`, or it returns a future to await for the owner's outcome.

    Single event loop only. Waiters should await `asyncio.shield(future)` so that a waiter being
    cancelled does not cancel the shared future; `run` does all of this.
    """

    def __init__(self) -> None:
        self._flights: dict[str, asyncio.Future[Any]] = {}

    def __len__(self) -> int:
        return len(self._flights)

    def claim(self, key: str) -> asyncio.Future[Any] | None:
        flight = self._flights.get(key)
        if flight is not None:
            return flight
        self._flights[key] = asyncio.get_running_loop().create_future()
        return None

    def resolve(self, key: str, value: Any) -> None:
        flight = self._flights.pop(key, None)
        if flight is not None and not flight.done():
            flight.set_result(value)

    def fail(self, key: str, exc: BaseException) -> None:
        flight = self._flights.pop(key, None)
        if flight is not None and not flight.done():
            flight.set_exception(exc)
            # Mark it retrieved: with no waiters, asyncio would log "exception never retrieved".
            flight.exception()

    def abandon(self, key: str) -> None:
        self.fail(key, FlightAbandoned(key))

    async def run(self, key: str, compute: Callable[[], Awaitable[Any]]) -> Any:
        """The result of `compute()` for this key, computed once however many callers ask."""
        while True:
            flight = self.claim(key)
            if flight is None:
                break
            try:
                return await asyncio.shield(flight)
            except FlightAbandoned:
                continue
        try:
            value = await compute()
        except asyncio.CancelledError:
            self.abandon(key)
            raise
        except BaseException as exc:
            self.fail(key, exc)
            raise
        self.resolve(key, value)
        return value
