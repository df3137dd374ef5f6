"""Score stream revisions by POSTing them to a running revertrisk server (which caches them)."""

from __future__ import annotations

from typing import Any

import httpx

from revertrisk_service.events import EventRevision
from revertrisk_service.scored_edits import ORIGIN_HEADER


class HttpPoster:
    """A `score_fn` for PrecacheRunner: one batch request per call, `{"instances": [...]}`.

    Returns one entry per revision: the server's prediction, or `{"error": ...}`.
    """

    def __init__(
        self,
        server_url: str,
        model_name: str,
        *,
        user_agent: str,
        timeout_s: float = 30.0,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self.url = f"{server_url.rstrip('/')}/v1/models/{model_name}:predict"
        self._client = client or httpx.AsyncClient(
            timeout=timeout_s, headers={"User-Agent": user_agent}
        )
        self._owns_client = client is None

    async def __call__(self, revisions: list[EventRevision]) -> list[Any]:
        instances = [{"lang": r.wiki.lang, "rev_id": r.rev_id} for r in revisions]
        body: dict[str, Any] = instances[0] if len(instances) == 1 else {"instances": instances}
        try:
            # The origin header tells the server these are stream edits: it posts prediction
            # events for them (when configured) and marks them precached on the patrol page.
            response = await self._client.post(
                self.url, json=body, headers={ORIGIN_HEADER: "precache"}
            )
            payload = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            return [{"error": {"code": "precache_http_error", "message": str(exc)}}] * len(
                revisions
            )
        if len(instances) == 1:
            if response.is_success and isinstance(payload, dict):
                return [payload]
            return [{"error": payload, "status": response.status_code}]
        return _split_batch(payload, response.status_code, len(revisions))

    async def close(self) -> None:
        if self._owns_client:
            await self._client.aclose()


def _split_batch(payload: Any, status: int, count: int) -> list[Any]:
    """Map a batch answer ({"predictions": [...], "errors": [{"index": i, ...}]}) back to inputs."""
    if not (200 <= status < 300 and isinstance(payload, dict)):
        return [{"error": payload, "status": status}] * count
    results: list[Any] = [None] * count
    for error in payload.get("errors") or []:
        index = error.get("index") if isinstance(error, dict) else None
        if isinstance(index, int) and 0 <= index < count:
            results[index] = {"error": error}
    # Predictions come in input order, skipping the instances that failed.
    predictions = iter(payload.get("predictions") or [])
    for i in range(count):
        if results[i] is None:
            results[i] = next(predictions, None)
    return results
