"""What real clients meet besides the KServe endpoints: the ORES v3 layer, the live patrol page,
and prediction events, all fed by the same models.

`build_listeners` is called before the models are built (they publish every new score to it);
`mount_client_endpoints` after, when the routes can name the models.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from revertrisk_service.config import Settings
from revertrisk_service.ores.aliases import AliasConfigError, parse_aliases
from revertrisk_service.ores.routes import OresModels, build_ores_router
from revertrisk_service.patrol.feed import PatrolFeed
from revertrisk_service.patrol.routes import build_patrol_router
from revertrisk_service.prediction_events.kafka_producer import KafkaEventProducer
from revertrisk_service.prediction_events.poster import EventGatePoster
from revertrisk_service.scored_edits import ScoreListeners
from revertrisk_service.scoring.revision_scoring import RevisionScoring
from revertrisk_service.server.assembly import build_event_poster
from revertrisk_service.serving.model import RevertRiskModel
from revertrisk_service.transparency.caution_flags import VersionDir

log = logging.getLogger(__name__)


@dataclass
class ClientListeners:
    listeners: ScoreListeners
    feed: PatrolFeed
    poster: EventGatePoster | KafkaEventProducer | None


def build_listeners(settings: Settings) -> ClientListeners:
    feed = PatrolFeed(backlog=settings.patrol_backlog, link_base=settings.patrol_link_url)
    poster = build_event_poster(settings)
    listeners = ScoreListeners(feed.offer)
    listeners.explain_while(feed.has_subscribers)
    if poster is not None:
        poster.attach(listeners)
    return ClientListeners(listeners, feed, poster)


def mount_client_endpoints(
    app: Any,
    settings: Settings,
    models: Sequence[RevertRiskModel],
    scoring: RevisionScoring,
    extras: ClientListeners,
    serving_dirs: Mapping[str, Path],
    serving_versions: Mapping[str, str],
    stopping: Callable[[], bool] = lambda: False,
    version_dir: VersionDir | None = None,
) -> None:
    """`serving_dirs` and `serving_versions`: each model's serving directory and version (live
    views that follow promotions), for the patrol page. `version_dir`: each version's artifact
    directory, so that ORES model info reads the thresholds of the version answering."""
    by_name = {m.name: m for m in models}
    model_dirs = {name: settings.model_dir(name) for name in by_name}
    try:
        aliases = parse_aliases(settings.ores_model_aliases, by_name)
    except AliasConfigError as error:
        raise SystemExit(str(error)) from None
    ores = OresModels(by_name, aliases, model_dirs, scoring, version_dir)
    app.include_router(build_ores_router(ores, settings.max_body_bytes))
    app.include_router(
        build_patrol_router(extras.feed, serving_dirs, serving_versions, stopping)
    )
    if extras.poster is not None:
        app.router.on_shutdown.append(extras.poster.aclose)
