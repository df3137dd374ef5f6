"""Outcomes in `revertrisk serve`: the quality routes, always mounted (404 `feature_disabled`
without OUTCOMES_ENABLED), and with outcomes on, the quality service, its gauges' refresh and
the score recorder's shutdown."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from revertrisk_service.config import Settings
from revertrisk_service.outcomes.quality_gauges import keep_gauges_fresh
from revertrisk_service.outcomes.quality_service import (
    QualityService,
    served_evaluation_thresholds,
)
from revertrisk_service.outcomes.recorder import ScoreRecorder
from revertrisk_service.outcomes.routes import build_quality_router
from revertrisk_service.outcomes.sql_store import SqlOutcomeStore


def build_quality_service(
    settings: Settings, model_dirs: Mapping[str, Path], versions: Mapping[str, str]
) -> QualityService | None:
    if not settings.outcomes_enabled:
        return None
    return QualityService(
        store=SqlOutcomeStore.from_url(settings.feedback_database_url,
                                       settings.feedback_db_timeout_s),
        served_versions=dict(versions),
        evaluation_thresholds=served_evaluation_thresholds(model_dirs, versions),
        window=timedelta(seconds=settings.outcomes_window_s),
        radius=settings.outcomes_radius,
    )


def mount_outcomes(
    app: Any,
    settings: Settings,
    model_dirs: Mapping[str, Path],
    versions: Mapping[str, str],
    recorder: ScoreRecorder | None,
) -> QualityService | None:
    quality = build_quality_service(settings, model_dirs, versions)
    app.include_router(build_quality_router(quality))
    if recorder is not None:
        app.router.on_shutdown.append(recorder.close)
    if quality is None:
        return None
    refreshing: list[asyncio.Task[None]] = []

    async def start() -> None:
        refreshing.append(asyncio.create_task(keep_gauges_fresh(
            quality, timedelta(seconds=settings.outcomes_quality_period_s),
            settings.outcomes_gauge_interval_s)))

    async def stop() -> None:
        for task in refreshing:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        quality.store.close()

    app.router.on_startup.append(start)
    app.router.on_shutdown.append(stop)
    return quality
