"""Assembles the models, the MediaWiki client and the HTTP extras, and runs kserve.ModelServer."""

from __future__ import annotations

import logging
import os

import kserve
from kserve import model_server

from revertrisk_service.cache import GuardedRedis, MemoryScoreCache, RedisInflight, RedisScoreCache
from revertrisk_service.config import Settings
from revertrisk_service.mediawiki.client import MediaWikiClient
from revertrisk_service.models.registry import load_scorer
from revertrisk_service.serving.cache_layer import CacheLayer, CacheSettings
from revertrisk_service.serving.errors_http import install_error_handlers
from revertrisk_service.serving.http_guard import PredictGuard
from revertrisk_service.serving.model import RevertRiskModel

log = logging.getLogger(__name__)


def cpu_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


def build_cache_layer(settings: Settings) -> CacheLayer:
    cache_settings = CacheSettings(
        ttl_s=settings.cache_ttl_s, negative_ttl_s=settings.negative_cache_ttl_s
    )
    if not settings.redis_url:
        return CacheLayer(MemoryScoreCache(settings.cache_max_entries), cache_settings)
    guarded = GuardedRedis(settings.redis_url)
    return CacheLayer(
        RedisScoreCache(settings.redis_url, guarded=guarded),
        cache_settings,
        inflight=RedisInflight(guarded),
    )


def build_models(
    settings: Settings, client: MediaWikiClient, cache: CacheLayer | None = None
) -> list[RevertRiskModel]:
    models = []
    for name in settings.enabled_models():
        scorer = load_scorer(name, settings)
        log.info("Loaded %s version %s", scorer.name, scorer.version)
        models.append(
            RevertRiskModel(
                scorer,
                client,
                max_batch_size=settings.max_batch_size,
                presave_enabled=settings.enable_presave,
                cpu_workers=cpu_workers(),
                cache=cache,
            )
        )
    return models


def build_mediawiki_client(settings: Settings) -> MediaWikiClient:
    return MediaWikiClient(
        wiki_url=settings.wiki_url,
        user_agent=settings.user_agent,
        timeout_s=settings.http_timeout_s,
        total_deadline_s=settings.mediawiki_deadline_s,
        max_retries=settings.mediawiki_max_retries,
    )


def serve(settings: Settings) -> None:
    client = build_mediawiki_client(settings)
    cache = build_cache_layer(settings)
    models = build_models(settings, client, cache)
    names = [m.name for m in models]
    app = model_server.app
    app.add_middleware(
        PredictGuard, served_models=lambda: names, max_body_bytes=settings.max_body_bytes
    )
    install_error_handlers(app)
    _mount_transparency(app, settings, names)
    app.router.on_shutdown.extend([client.aclose, cache.close])
    kserve.ModelServer(http_port=settings.http_port, enable_grpc=False, workers=1).start(models)


def _mount_transparency(app: object, settings: Settings, names: list[str]) -> None:
    try:
        from revertrisk_service.transparency.routes import build_transparency_router
    except ImportError:
        log.warning("Model transparency endpoints are not available in this build")
        return
    router = build_transparency_router({n: settings.model_dir(n) for n in names})
    app.include_router(router)  # type: ignore[attr-defined]
