"""/metrics for the serving process: one process's registry, or, in multiprocess mode, the sum
over every worker's files in PROMETHEUS_MULTIPROC_DIR."""

from __future__ import annotations

import os

from prometheus_client import REGISTRY, CollectorRegistry, exposition
from prometheus_client.multiprocess import MultiProcessCollector
from starlette.requests import Request
from starlette.responses import Response


def current_registry() -> CollectorRegistry:
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    registry = CollectorRegistry()
    MultiProcessCollector(registry)
    return registry


async def metrics(request: Request) -> Response:
    encoder, content_type = exposition.choose_encoder(request.headers.get("accept", ""))
    return Response(content=encoder(current_registry()), headers={"content-type": content_type})
