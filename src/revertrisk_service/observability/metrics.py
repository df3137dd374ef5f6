"""The service's own Prometheus metrics: requests by model and status, time per stage, the model
version. Several worker processes share them through prometheus_client's multiprocess mode
(PROMETHEUS_MULTIPROC_DIR set before the first import of prometheus_client)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from prometheus_client import Counter, Gauge, Histogram

REQUESTS = Counter(
    "revertrisk_requests_total",
    "Predict requests answered, by model and HTTP status.",
    ["model", "status"],
)
REQUEST_LATENCY = Histogram(
    "revertrisk_request_duration_seconds",
    "Time to answer a predict request, by model and HTTP status.",
    ["model", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
# Stages of scoring one request: mediawiki_fetch (Action API calls), edit_facts (diffs and
# features from the fetched revisions), inference (the model itself).
STAGE_LATENCY = Histogram(
    "revertrisk_stage_duration_seconds",
    "Time spent in one stage of scoring a request, by model and stage.",
    ["model", "stage"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
# A gauge rather than an Info: Info has no multiprocess mode. "max" keeps one series per label set.
MODEL_INFO = Gauge(
    "revertrisk_model_info",
    "The model version each served model answers with: 1, and 0 for a version it replaced.",
    ["model", "version"],
    multiprocess_mode="max",
)

STAGES = ("mediawiki_fetch", "edit_facts", "inference")


@contextmanager
def timed_stage(model: str, stage: str) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        observe_stage(model, stage, time.perf_counter() - start)


def observe_stage(model: str, stage: str, seconds: float) -> None:
    """A stage timed elsewhere: in a scoring process, which reports its seconds back."""
    STAGE_LATENCY.labels(model, stage).observe(seconds)


def record_model(model: str, version: str) -> None:
    MODEL_INFO.labels(model, version).set(1)
