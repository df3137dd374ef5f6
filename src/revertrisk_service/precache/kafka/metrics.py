"""Prometheus metrics of the Kafka precache consumer, beside the stream precacher's own
(precache.metrics: events seen, invalid, filtered, scored, errors), which it also counts.

Edits scored per second: rate(revertrisk_precache_scored_total), as in SSE mode.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge

LAG = Gauge(
    "revertrisk_precache_kafka_lag",
    "Records of the partition not yet committed by this group: log end offset minus committed.",
    ["topic", "partition"],
)
ASSIGNED = Gauge(
    "revertrisk_precache_kafka_assigned_partitions", "Partitions assigned to this replica."
)
REBALANCES = Counter(
    "revertrisk_precache_kafka_rebalances_total", "Partition assignments this replica received."
)
IN_FLIGHT = Gauge(
    "revertrisk_precache_kafka_in_flight",
    "Records fetched and not yet committed (bounded by --max-in-flight).",
)
PAUSED = Gauge(
    "revertrisk_precache_kafka_paused", "1 while fetching is paused because scoring is behind."
)
RETRIES = Counter(
    "revertrisk_precache_kafka_retries_total",
    "Edits scored again after a transient failure (MediaWiki down or slow).",
)
COMMITS = Counter(
    "revertrisk_precache_kafka_commits_total", "Offset commits, by outcome.", ["outcome"]
)
