"""Prometheus metrics of the stream precacher. Throughput is rate(revertrisk_precache_scored_total)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

EVENTS_SEEN = Counter("revertrisk_precache_events_seen_total", "Stream events received.")
EVENTS_INVALID = Counter(
    "revertrisk_precache_events_invalid_total", "Stream events that could not be parsed."
)
EVENTS_FILTERED = Counter(
    "revertrisk_precache_events_filtered_total",
    "Stream events not scored, by reason.",
    ["reason"],
)
EVENTS_MATCHED = Counter(
    "revertrisk_precache_events_matched_total", "Stream events selected for scoring."
)
EVENTS_DROPPED = Counter(
    "revertrisk_precache_events_dropped_total",
    "Selected events dropped because the work queue was full (the oldest queued one goes).",
)
SCORED = Counter("revertrisk_precache_scored_total", "Revisions scored (and so cached).")
SCORE_ERRORS = Counter(
    "revertrisk_precache_errors_total", "Revisions whose scoring failed or returned an error."
)
RECONNECTS = Counter("revertrisk_precache_reconnects_total", "Stream reconnections.")
LAG_SECONDS = Gauge(
    "revertrisk_precache_lag_seconds",
    "Wall-clock time minus the timestamp of the newest event received.",
)
QUEUE_DEPTH = Gauge("revertrisk_precache_queue_depth", "Selected events waiting to be scored.")
