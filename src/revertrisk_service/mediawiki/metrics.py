"""Prometheus metrics for calls to the MediaWiki Action API (one place, registered once)."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

# `query` is the kind of API query (revisions, users, page_creation); `outcome` says how one HTTP
# attempt ended (ok, maxlag, http_429, http_5xx, http_4xx, timeout, connection_error, api_error,
# invalid_json). Both label sets are small and fixed, so cardinality stays bounded.
REQUESTS = Counter(
    "revertrisk_mediawiki_requests_total",
    "HTTP attempts made to the MediaWiki Action API, by query kind and outcome.",
    ["query", "outcome"],
)

LATENCY = Histogram(
    "revertrisk_mediawiki_request_duration_seconds",
    "Duration of one HTTP attempt to the MediaWiki Action API.",
    ["query"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)

RETRIES = Counter(
    "revertrisk_mediawiki_retries_total",
    "Retries of MediaWiki Action API requests, by the reason the previous attempt failed.",
    ["query", "reason"],
)

GIVE_UPS = Counter(
    "revertrisk_mediawiki_failures_total",
    "MediaWiki Action API requests that failed for good, by the service error code returned.",
    ["query", "code"],
)
