"""Observed quality as Prometheus gauges, per model, version, wiki ("all" for every wiki) and
editor ("all", "anonymous", "registered"), over the last OUTCOMES_QUALITY_PERIOD_S. Each figure
has its basis beside it (revertrisk_observed_decided_edits) and its interval bounds as gauges of
their own. Refreshed in the background; a scrape never waits on the database."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

import anyio
from prometheus_client import Gauge

from revertrisk_service.errors import OutcomesUnavailable
from revertrisk_service.outcomes.quality import Histogram, auc_delong, precision_recall_at
from revertrisk_service.outcomes.quality_service import QualityQuery, QualityService
from revertrisk_service.outcomes.sql_store import BinCount
from revertrisk_service.transparency.caution_levels import CAUTION_LEVELS

log = logging.getLogger(__name__)

LABELS = ["model", "version", "wiki", "editor"]
DECIDED = Gauge("revertrisk_observed_decided_edits",
                "Stream edits with a decided outcome that the figures stand on.", LABELS)
REVERTED = Gauge("revertrisk_observed_reverted_edits", "Of those, the reverted ones.", LABELS)
AUC = Gauge("revertrisk_observed_auc",
            "Observed ROC AUC (NaN with one class only); bounds: the _ci_ gauges (DeLong 95%).",
            LABELS)
AUC_LOW = Gauge("revertrisk_observed_auc_ci_low", "DeLong 95% lower bound of the AUC.", LABELS)
AUC_HIGH = Gauge("revertrisk_observed_auc_ci_high", "DeLong 95% upper bound of the AUC.", LABELS)
PRECISION = Gauge("revertrisk_observed_precision",
                  "Observed precision at each caution level's evaluation threshold.",
                  [*LABELS, "level"])
RECALL = Gauge("revertrisk_observed_recall",
               "Observed recall at each caution level's evaluation threshold.", [*LABELS, "level"])
FLAGGED = Gauge("revertrisk_observed_flagged_edits",
                "Decided edits at or above the level's threshold (precision's basis).",
                [*LABELS, "level"])


def _groups(counts: list[BinCount]) -> Iterable[tuple[str, str, list[BinCount]]]:
    for wiki in ["all", *sorted({c.wiki_db for c in counts})]:
        of_wiki = [c for c in counts if wiki == "all" or c.wiki_db == wiki]
        yield wiki, "all", of_wiki
        for editor, anonymous in (("anonymous", True), ("registered", False)):
            yield wiki, editor, [c for c in of_wiki if c.editor_anonymous is anonymous]


def _value(value: float | None) -> float:
    return float("nan") if value is None else value


def refresh_gauges(service: QualityService, period: timedelta) -> None:
    """Recompute every gauge (blocking: called in a worker thread)."""
    since = datetime.now(UTC) - period
    for name in service.served_versions:
        for version in service.versions_of(name, QualityQuery()):
            counts = service.counts(name, version, QualityQuery(since=since))
            thresholds = service.evaluation_thresholds(name, version) or {}
            for wiki, editor, group in _groups(counts):
                histogram = Histogram.of_counts(group)
                key = (name, version, wiki, editor)
                DECIDED.labels(*key).set(histogram.n)
                REVERTED.labels(*key).set(int(histogram.positives.sum()))
                auc = auc_delong(histogram)
                AUC.labels(*key).set(_value(auc.value))
                AUC_LOW.labels(*key).set(_value(auc.ci_low))
                AUC_HIGH.labels(*key).set(_value(auc.ci_high))
                for level in CAUTION_LEVELS:
                    at = precision_recall_at(histogram, thresholds.get(level.name))
                    PRECISION.labels(*key, level.name).set(_value(at["precision"]["value"]))
                    RECALL.labels(*key, level.name).set(_value(at["recall"]["value"]))
                    FLAGGED.labels(*key, level.name).set(at["flagged"])


async def keep_gauges_fresh(service: QualityService, period: timedelta, interval_s: float) -> None:
    """Refresh the gauges every `interval_s` until cancelled; a database that is down leaves
    the last values in place."""
    while True:
        try:
            await anyio.to_thread.run_sync(refresh_gauges, service, period)
        except OutcomesUnavailable:
            log.warning("observed-quality gauges not refreshed: the outcome database is down")
        await asyncio.sleep(interval_s)
