"""Puts the observability pieces on the serving app: request ids and predict metrics around
everything, and a /metrics that adds up every worker's figures."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from fastapi import FastAPI

from revertrisk_service.http.predict_metrics import PredictMetricsMiddleware
from revertrisk_service.http.request_id import RequestIdMiddleware
from revertrisk_service.observability.metrics_endpoint import metrics


def install_observability(app: FastAPI, served_models: Callable[[], Iterable[str]]) -> None:
    # Added last, so outermost: every answer, errors from the guard included, is counted and
    # carries the request id.
    app.add_middleware(PredictMetricsMiddleware, served_models=served_models)
    app.add_middleware(RequestIdMiddleware)
    # Registered before KServe's own /metrics (added when the server starts), so this one answers.
    app.add_api_route("/metrics", metrics, methods=["GET"], include_in_schema=False)
