"""Model versions in a serving process: the champion of each model loaded at start, the aliases
polled while it runs, the challenger shadow-scored, and the transparency files read from the
serving version's directory. Nothing of it exists without MODEL_REGISTRY_DIR."""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from redis.exceptions import RedisError

from revertrisk_service.config import Settings
from revertrisk_service.errors import ModelArtifactError
from revertrisk_service.models.manifest import load_manifest
from revertrisk_service.models.registry import describe_scorer, load_scorer
from revertrisk_service.observability.metrics import MODEL_INFO
from revertrisk_service.scoring.scoring_pool import ProcessScoring, ScoringRunner
from revertrisk_service.transparency.caution_flags import VersionDir
from revertrisk_service.versions.catalog import ModelVersions
from revertrisk_service.versions.live import LiveVersions, Serving

if TYPE_CHECKING:
    from revertrisk_service.outcomes.sql_store import SqlOutcomeStore

T = TypeVar("T")


def open_versions(settings: Settings) -> ModelVersions | None:
    """The registry with a champion for every served model (the shipped artifact when none was
    named yet); None without a registry."""
    if settings.model_registry_dir is None:
        return None
    versions = ModelVersions.from_settings(settings)
    try:
        for name in settings.enabled_models():
            versions.ensure_champion(name, settings.model_dir(name))
    except (RedisError, OSError) as error:
        # Without the aliases a process cannot know which version to answer with; the other
        # replicas keep serving, and this one starts once the store answers.
        raise SystemExit(
            f"The model aliases cannot be read ({type(error).__name__}: {error}); "
            "check REDIS_URL or MODEL_REGISTRY_DIR."
        ) from None
    return versions


def open_outcomes(settings: Settings) -> SqlOutcomeStore:
    """The outcome store in the feedback database: where shadow scores go, and what observed
    caution levels are computed from."""
    from revertrisk_service.outcomes.sql_store import SqlOutcomeStore

    return SqlOutcomeStore.from_url(settings.feedback_database_url, settings.feedback_db_timeout_s)


def version_dirs(settings: Settings, versions: ModelVersions | None) -> VersionDir:
    """(model, version) -> its artifact directory: the registry's, or without one the configured
    directory when it holds that version; None otherwise."""

    @functools.lru_cache(maxsize=64)
    def directory(name: str, version: str) -> Path | None:
        try:
            if versions is not None:
                return versions.registry.artifact_dir(name, version)
            configured = settings.model_dir(name)
            return configured if load_manifest(configured).version == version else None
        except ModelArtifactError:
            return None

    return directory


def champions(versions: ModelVersions, settings: Settings) -> dict[str, str]:
    """The version each scoring process loads at start."""
    found = {n: versions.aliases(n).champion for n in settings.enabled_models()}
    return {n: v for n, v in found.items() if v is not None}


class ChampionGauge:
    """The model-info gauge names the version that answers: 1 for the champion just swapped in,
    0 for the one it replaced."""

    def __init__(self) -> None:
        self._shown: dict[str, str] = {}

    def __call__(self, name: str, serving: Serving) -> None:
        version = serving.champion.version
        before = self._shown.get(name)
        if before is not None and before != version:
            MODEL_INFO.labels(name, before).set(0)
        MODEL_INFO.labels(name, version).set(1)
        self._shown[name] = version


def start_live_versions(
    versions: ModelVersions, settings: Settings, runner: ScoringRunner
) -> LiveVersions:
    """Loaded as this process needs them: manifests only when scoring processes hold the
    weights (they load a version on its first use), the models themselves otherwise."""
    load = describe_scorer if isinstance(runner, ProcessScoring) else load_scorer
    live = LiveVersions(
        settings.enabled_models(),
        versions,
        lambda name, version: load(name, settings, version),
        settings.version_poll_s,
        on_change=ChampionGauge(),
    )
    live.start()
    return live


class _PerServedModel(Mapping[str, T]):
    """model name -> something of the serving version, read at each lookup."""

    def __init__(self, live: LiveVersions) -> None:
        self.live = live

    def _of(self, name: str, version: str) -> T:
        raise NotImplementedError

    def __getitem__(self, name: str) -> T:
        if name not in self.live.names:
            raise KeyError(name)
        return self._of(name, self.live.champion(name).version)

    def __iter__(self) -> Iterator[str]:
        return iter(self.live.names)

    def __len__(self) -> int:
        return len(self.live.names)


class ChampionDirs(_PerServedModel[Path]):
    """model name -> the serving version's artifact directory."""

    def _of(self, name: str, version: str) -> Path:
        return self.live.versions.registry.artifact_dir(name, version)


class ChampionVersions(_PerServedModel[str]):
    """model name -> the serving version."""

    def _of(self, name: str, version: str) -> str:
        return version


class Polling:
    """The aliases polled by a task of the app's event loop, from start-up to shutdown."""

    def __init__(self, live: LiveVersions) -> None:
        self.live = live
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self.live.poll())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
