"""`/patrol/`: the page, its assets, the live score stream (SSE) and the threshold presets.

Every asset is a file of this package, served from here: the page works without any CDN.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response, StreamingResponse

from revertrisk_service.errors import error_body
from revertrisk_service.patrol.feed import PatrolFeed
from revertrisk_service.transparency.presets import PRESETS, preset_thresholds
from revertrisk_service.transparency.routes import ServedModelFiles

ASSETS = {
    "index.html": "text/html; charset=utf-8",
    "patrol.js": "text/javascript; charset=utf-8",
    "feedback.js": "text/javascript; charset=utf-8",
    "quality.js": "text/javascript; charset=utf-8",
    "patrol.css": "text/css; charset=utf-8",
}
KEEPALIVE_S = 15.0


def _asset(name: str) -> bytes:
    return resources.files("revertrisk_service.patrol").joinpath("static", name).read_bytes()


def _sse(row: dict[str, Any]) -> str:
    return f"event: score\nid: {row['id']}\ndata: {json.dumps(row)}\n\n"


def build_patrol_router(
    feed: PatrolFeed,
    model_dirs: Mapping[str, Path],
    versions: Mapping[str, str],
    stopping: Callable[[], bool] = lambda: False,
) -> APIRouter:
    router = APIRouter(tags=["patrol"])
    files = ServedModelFiles(model_dirs)

    @router.get("/patrol")
    async def to_page() -> RedirectResponse:
        return RedirectResponse("/patrol/")

    @router.get("/patrol/")
    async def page() -> Response:
        return Response(_asset("index.html"), media_type=ASSETS["index.html"])

    @router.get("/patrol/static/{name}")
    async def asset(name: str) -> Response:
        if name not in ASSETS:
            return JSONResponse(error_body("not_found", "No such asset."), status_code=404)
        return Response(
            _asset(name), media_type=ASSETS[name], headers={"Cache-Control": "max-age=300"}
        )

    @router.get("/patrol/presets")
    async def presets() -> JSONResponse:
        answer: dict[str, Any] = {}
        for name, model_files in files.items():
            thresholds = preset_thresholds(model_files)
            answer[name] = {
                "version": versions.get(name),
                "presets": [
                    {"name": preset, "query": query, "threshold": thresholds[preset]}
                    for preset, query in PRESETS.items()
                ],
            }
        return JSONResponse({"models": answer})

    @router.get("/patrol/stream")
    async def stream(request: Request) -> StreamingResponse:
        queue = feed.subscribe()

        async def events() -> AsyncIterator[str]:
            try:
                yield "retry: 2000\n\n"
                for row in feed.recent():
                    yield _sse(row)
                idle_s = 0.0
                # Wakes every second to notice a closed page or a server shutting down.
                while not stopping():
                    try:
                        row = await asyncio.wait_for(queue.get(), timeout=1.0)
                    except TimeoutError:
                        if await request.is_disconnected():
                            return
                        idle_s += 1.0
                        if idle_s >= KEEPALIVE_S:
                            idle_s = 0.0
                            yield ": keep-alive\n\n"
                        continue
                    idle_s = 0.0
                    yield _sse(row)
            finally:
                feed.unsubscribe(queue)

        return StreamingResponse(
            events(),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    return router
