"""Prometheus metrics of outcome tracking: the detector's work and memory, and the score
recorder's writes. Observed quality's own gauges are in outcomes.quality_gauges."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

REVISIONS_SEEN = Counter(
    "revertrisk_outcomes_revisions_seen_total", "Stream revisions the revert detector processed."
)
REVERTS_SEEN = Counter(
    "revertrisk_outcomes_reverts_seen_total",
    "Reverted revisions the detector found, by what decided (sha1, event, sha1+event).",
    ["source"],
)
OUTCOMES_DECIDED = Counter(
    "revertrisk_outcomes_decided_total",
    "Outcomes newly written to the database (reverted, or not reverted when a window closed).",
    ["reverted"],
)
PAGES_IN_MEMORY = Gauge(
    "revertrisk_outcomes_pages_in_memory",
    "Pages whose recent hashes the detector holds (at most OUTCOMES_MAX_PAGES).",
)
WRITES_DROPPED = Counter(
    "revertrisk_outcomes_writes_dropped_total",
    "Buffered rows dropped because the outcome database stayed down (a restart replays them).",
)
FLUSH_FAILURES = Counter(
    "revertrisk_outcomes_flush_failures_total", "Writes to the outcome database that failed."
)
SCORES_RECORDED = Counter(
    "revertrisk_outcomes_scores_recorded_total", "Stream edits' scores written, per model.",
    ["model"],
)
SCORES_DROPPED = Counter(
    "revertrisk_outcomes_scores_dropped_total",
    "Scores not recorded because the recorder's queue was full.",
)
