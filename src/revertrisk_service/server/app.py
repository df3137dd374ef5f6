"""`revertrisk serve`: the models, the MediaWiki client and the HTTP extras under kserve.ModelServer,
in one process or in several workers sharing the port."""

from __future__ import annotations

import math
import socket
import sys
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import kserve
from fastapi import FastAPI
from fastapi.exceptions import FastAPIDeprecationWarning
from kserve import model_server
from starlette.routing import Match

from revertrisk_service.config import Settings, parse_networks
from revertrisk_service.feedback.routes import build_feedback_router
from revertrisk_service.feedback.service import build_feedback
from revertrisk_service.http.client_address import ClientAddress, disable_server_proxy_headers
from revertrisk_service.http.client_limit import ClientConcurrencyLimit
from revertrisk_service.http.errors import ErrorContract, install_error_handlers
from revertrisk_service.http.local_hits import LocalHits
from revertrisk_service.http.observability import install_observability
from revertrisk_service.http.openapi import install_openapi
from revertrisk_service.http.predict_guard import PredictGuard
from revertrisk_service.http.route_guard import RouteGuard
from revertrisk_service.observability.metrics import record_model
from revertrisk_service.outcomes.recorder import build_score_recorder
from revertrisk_service.outcomes.server_parts import mount_outcomes
from revertrisk_service.scoring.scoring_pool import SERVER_NICENESS, build_scoring_runner
from revertrisk_service.server.assembly import (
    build_cache_layer,
    build_mediawiki_client,
    build_models,
    build_scoring,
)
from revertrisk_service.server.client_endpoints import build_listeners, mount_client_endpoints
from revertrisk_service.server.kserve_socket import serve_on_socket
from revertrisk_service.server.logging_setup import configure_logging
from revertrisk_service.server.workers import listening_socket, run_workers
from revertrisk_service.serving.model import RevertRiskModel
from revertrisk_service.transparency.caution_flags import CautionFlags
from revertrisk_service.transparency.routes import build_transparency_router
from revertrisk_service.versions.caution import observed_levels
from revertrisk_service.versions.operator_routes import build_operator_router, operator_tokens
from revertrisk_service.versions.shadow import ShadowScoring
from revertrisk_service.versions.wiring import (
    ChampionDirs,
    ChampionVersions,
    Polling,
    champions,
    open_outcomes,
    open_versions,
    start_live_versions,
    version_dirs,
)


def serve(settings: Settings) -> None:
    if settings.workers == 1:
        serve_one(settings)
        return
    sock = listening_socket(settings.http_port)
    sys.exit(
        run_workers(settings.workers, sock, partial(serve_one, settings), settings.shutdown_grace_s)
    )


def serve_one(settings: Settings, sock: socket.socket | None = None) -> None:
    served = build_server(settings)
    # KServe gives its loggers handlers of its own when its server is made: back to JSON lines.
    configure_logging()
    if sock is None:
        served.server.start(served.models)
    else:
        serve_on_socket(served.server, served.models, sock)


@dataclass(frozen=True)
class Served:
    """One serving process, built and not started: KServe's server, its models (loaded) and the
    app they answer on (KServe adds its own routes when the server starts)."""

    server: kserve.ModelServer
    models: list[RevertRiskModel]
    app: FastAPI


def build_server(settings: Settings) -> Served:
    """The composition root: the MediaWiki client, the score cache and the scoring engine, built
    once and given to every model, the ORES layer and the patrol feed's listeners; the HTTP edge
    around KServe's app; the features' routers."""
    disable_server_proxy_headers()
    _quiet_kserve_orjson_response()
    client = build_mediawiki_client(settings)
    cache = build_cache_layer(settings)
    extras = build_listeners(settings)
    recorder = build_score_recorder(settings)
    if recorder is not None:
        recorder.attach(extras.listeners)
    versions = open_versions(settings)
    runner = build_scoring_runner(
        settings,
        settings.enabled_models(),
        SERVER_NICENESS,
        champions(versions, settings) if versions is not None else None,
    )
    live = start_live_versions(versions, settings, runner) if versions is not None else None
    # Challengers are shadow-scored where scores are recorded (OUTCOMES_ENABLED): the gate
    # reads them back, with the champion's, once their edits are decided.
    shadow = ShadowScoring(live, recorder) if live is not None and recorder is not None else None
    # What the gate and the observed caution levels read.
    outcomes = (
        recorder.store if recorder is not None
        else open_outcomes(settings) if live is not None
        else None
    )  # fmt: skip
    scoring = build_scoring(client, cache, extras.listeners, runner, shadow)
    models = build_models(settings, scoring, live)
    # Caution levels from observed outcomes, for the thresholds endpoint and predict's flags.
    observed = observed_levels(outcomes) if outcomes is not None else None
    version_dir = version_dirs(settings, versions)
    caution_flags = CautionFlags(version_dir, observed)
    for model in models:
        model.load()
        model.caution_flags = caution_flags
        record_model(model.name, model.version)
    names = [m.name for m in models]
    app = model_server.app
    install_http_layers(app, settings, models)
    # Outermost: every answer, the error contract's and the client limit's included, is counted
    # and carries the request id.
    install_observability(app, served_models=lambda: names)
    model_dirs: Mapping[str, Path] = (
        ChampionDirs(live) if live is not None else {n: settings.model_dir(n) for n in names}
    )
    # Live views with model versions: what they name and read follows each promotion.
    serving_versions: Mapping[str, str] = (
        ChampionVersions(live) if live is not None else {m.name: m.version for m in models}
    )
    feedback = build_feedback(settings, model_dirs, serving_versions)
    app.include_router(
        build_transparency_router(
            model_dirs,
            observed_in_use=feedback.observed_for_card if feedback else None,
            observed_level=observed,
        )
    )
    app.include_router(build_feedback_router(feedback, settings.max_body_bytes))
    app.include_router(
        build_operator_router(
            versions,
            outcomes,
            operator_tokens(settings.operator_tokens_file) if settings.operator_tokens_file else None,
            feedback.tokens if feedback is not None else None,
            names,
            settings.max_body_bytes,
        )
    )
    mount_outcomes(app, settings, model_dirs, serving_versions, recorder)
    app.router.on_startup.append(partial(predict_route_first, app))
    app.router.on_shutdown.extend([client.aclose, cache.close, runner.close])
    if live is not None:
        polling = Polling(live)
        app.router.on_startup.append(polling.start)
        app.router.on_shutdown.insert(0, polling.stop)
    if recorder is None and outcomes is not None:
        app.router.on_shutdown.append(outcomes.close)
    if feedback is not None:
        app.router.on_shutdown.append(feedback.store.close)
    server = kserve.ModelServer(
        http_port=settings.http_port,
        enable_grpc=False,
        workers=1,
        grace_period=math.ceil(settings.shutdown_grace_s),
    )
    mount_client_endpoints(
        app, settings, models, scoring, extras, model_dirs, serving_versions,
        stopping=lambda: _stopping(server), version_dir=version_dir,
    )
    return Served(server, models, app)


def _quiet_kserve_orjson_response() -> None:
    """KServe 0.21 (pinned) answers through `fastapi.responses.ORJSONResponse`: it is its app's
    default response class (GET /v1/models, the first request of every process) and its V1
    predict endpoint builds one. FastAPI 0.131 deprecated that class and warns when one is first
    made, so every process logged a warning on its first request and again on its first score.
    The class still works and its orjson bytes are the ones the golden responses record; what
    would stop it is a change inside KServe's module. Only this one message is silenced, so any
    other deprecation still shows. Remove when KServe stops using the class."""
    warnings.filterwarnings(
        "ignore", message="ORJSONResponse is deprecated", category=FastAPIDeprecationWarning
    )


def predict_route_first(app: FastAPI) -> None:
    """Moves the router that answers predict to the front of the app's routes. KServe registers
    its routes when its server starts, after ours (model cards, feedback, ORES, patrol), and
    both FastAPI and KServe's timing middleware (which names each request's metric by its
    route) try the routes in order: every predict paid for some twenty routes before its own.
    No other route's path can match a predict path, so the order changes no answer."""
    routes = app.router.routes
    probe = {"type": "http", "method": "POST", "path": "/v1/models/m:predict", "root_path": ""}
    for index, route in enumerate(routes):
        if route.matches(probe)[0] == Match.FULL:
            routes.insert(0, routes.pop(index))
            return


def _stopping(server: kserve.ModelServer) -> bool:
    """Whether uvicorn is shutting down: open patrol streams must end so that it can."""
    uvicorn_server = getattr(getattr(server, "_rest_server", None), "_server", None)
    return bool(getattr(uvicorn_server, "should_exit", False))


def install_http_layers(app: FastAPI, settings: Settings, models: list[RevertRiskModel]) -> None:
    """Middleware, outermost last: who the client is; scores held in memory answered at once;
    then error shape, route table, per-client limit, body checks."""
    names = [m.name for m in models]
    app.add_middleware(PredictGuard, max_body_bytes=settings.max_body_bytes)
    app.add_middleware(ClientConcurrencyLimit, limit=settings.client_concurrency_limit)
    app.add_middleware(RouteGuard, served_models=lambda: names)
    app.add_middleware(ErrorContract)
    app.add_middleware(LocalHits, models={m.name: m for m in models})
    # Outside the held hits too: uvicorn's access log reads the client this layer sets.
    app.add_middleware(ClientAddress, trusted_proxies=parse_networks(settings.trusted_proxies))
    install_error_handlers(app)
    install_openapi(app, settings, names)
