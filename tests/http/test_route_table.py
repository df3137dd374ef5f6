"""The route table: what the guard lets through, the predict match, the 404 hint, the refresh flag."""

from __future__ import annotations

import asyncio
import json

import pytest

from revertrisk_service.http.route_guard import RouteGuard
from revertrisk_service.http.routes import ROUTES, predict_model, served_summary
from revertrisk_service.serving.refresh import as_cache_control, wants_refresh

LA = "revertrisk-language-agnostic"


def guarded(method: str, path: str) -> tuple[int, dict, dict]:
    """(status, headers, body) of RouteGuard in front of an app that answers 200 {}."""
    sent: list[dict] = []

    async def app(scope, receive, send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {"type": "http", "method": method, "path": path, "headers": []}
    asyncio.run(RouteGuard(app, served_models=lambda: [LA])(scope, None, send))
    start, body = sent
    return start["status"], dict(start["headers"]), json.loads(body["body"])


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_every_route_of_the_table_passes_the_guard(route) -> None:
    path = route.path.replace("{model_name}", LA)
    assert guarded(route.method, path)[0] == 200


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("GET", "/v2/health/ready", 404, "not_found"),
        ("POST", f"/v1/models/{LA}:explain", 404, "not_found"),
        ("POST", f"/v1/models/{LA}:predict/x", 404, "not_found"),
        ("GET", f"/v1/models/{LA}:predict", 405, "method_not_allowed"),
        ("HEAD", "/v1/models", 405, "method_not_allowed"),
        ("POST", "/v1/models/other:predict", 404, "model_not_found"),
        ("GET", "/v1/models/other/info", 404, "model_not_found"),
    ],
)
def test_what_the_table_does_not_list_is_refused(method, path, status, code) -> None:
    answered, headers, body = guarded(method, path)
    assert (answered, body["code"]) == (status, code)
    if status == 405:
        assert headers[b"allow"] == (b"POST" if path.endswith(":predict") else b"GET")


def test_delegated_routers_answer_their_own_paths() -> None:
    assert guarded("DELETE", "/v3/scores/enwiki/")[0] == 200
    assert guarded("GET", "/patrol/anything")[0] == 200


def test_the_404_hint_lists_every_route() -> None:
    _, _, body = guarded("GET", "/nope")
    for route in ROUTES:
        assert route.hint() in body["error"]
    assert "/v3/" in body["error"] and "/patrol/" in body["error"]
    assert served_summary() in body["error"]


def test_predict_model() -> None:
    assert predict_model(f"/v1/models/{LA}:predict") == LA
    assert predict_model(f"/v1/models/{LA}") is None
    assert predict_model("/v1/models/a:b:predict") is None


@pytest.mark.parametrize(
    ("query", "headers", "refresh"),
    [
        (b"", [], False),
        (b"refresh=true", [], True),
        (b"refresh=1", [(b"cache-control", b"max-age=0")], True),
        (b"refresh=false", [], False),
        (b"", [(b"cache-control", b"no-cache")], True),
        (b"", [(b"x-revertrisk-refresh", b"true")], False),
    ],
)
def test_the_refresh_flag_is_read_in_one_place(query, headers, refresh) -> None:
    scope = as_cache_control({"type": "http", "query_string": query, "headers": headers})
    # As KServe hands the headers to the model.
    as_kserve_passes_them = {k.decode(): v.decode() for k, v in scope["headers"]}
    assert wants_refresh(as_kserve_passes_them) is refresh


def test_the_predict_route_is_moved_to_the_front_and_answers_stay_the_same() -> None:
    from fastapi import APIRouter, FastAPI
    from fastapi.testclient import TestClient

    from revertrisk_service.server.app import predict_route_first

    app = FastAPI()
    ours = APIRouter()
    ours.add_api_route("/v1/models/{name}/info", lambda name: {"info": name})
    ours.add_api_route("/v3/scores/{wiki}", lambda wiki: {"ores": wiki})
    app.include_router(ours)
    kserves = APIRouter()  # registered last, as KServe does when its server starts
    kserves.add_api_route("/v1/models/{model_name}", lambda model_name: {"ready": model_name})
    kserves.add_api_route(
        "/v1/models/{model_name}:predict", lambda model_name: {"predicted": model_name},
        methods=["POST"],
    )  # fmt: skip
    app.include_router(kserves)
    client = TestClient(app)
    paths = [("GET", "/v1/models/m/info"), ("GET", "/v3/scores/enwiki"), ("GET", "/v1/models/m"),
             ("POST", "/v1/models/m:predict"), ("GET", "/v1/models/m:predict")]  # fmt: skip
    before = [client.request(m, p).json() for m, p in paths]
    predict_route_first(app)
    probe = {"type": "http", "method": "POST", "path": "/v1/models/m:predict", "root_path": ""}
    assert app.router.routes[0].matches(probe)[0].name == "FULL"
    assert [client.request(m, p).json() for m, p in paths] == before


def test_openapi_lists_the_ores_and_patrol_paths() -> None:
    """The routers that answer their own paths are in /openapi.json beside the route table's."""
    from fastapi import FastAPI

    from revertrisk_service.http.openapi import openapi_document, with_delegated_routes
    from revertrisk_service.ores.routes import OresModels, build_ores_router
    from revertrisk_service.patrol.feed import PatrolFeed
    from revertrisk_service.patrol.routes import build_patrol_router

    app = FastAPI()
    # The router is only described here, never called, so it needs no scoring engine.
    ores = OresModels({}, {}, {}, scoring=None)  # type: ignore[arg-type]
    app.include_router(build_ores_router(ores, 1_000_000))
    app.include_router(build_patrol_router(PatrolFeed(), {}, {}))
    own = openapi_document(["revertrisk-language-agnostic"], max_batch_size=50,
                           presave_enabled=False)
    document = with_delegated_routes(own, app.router.routes)
    paths = document["paths"]
    assert set(own["paths"]) < set(paths)
    for path in ("/v3/scores/", "/v3/scores/{wiki}/{rev_id}/", "/patrol/", "/patrol/stream"):
        assert path in paths, path
    assert {"get", "post"} <= set(paths["/v3/scores/{wiki}/"])
    assert not any("422" in op["responses"] for ops in paths.values() for op in ops.values())
