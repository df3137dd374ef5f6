"""The acts on a model's versions, each checked and recorded: install a version, name the
challenger, promote, roll back. The serving processes only read (versions.live); these run from
the CLI or the operator endpoint."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from revertrisk_service.config import Settings
from revertrisk_service.errors import ModelArtifactError, NothingToRollBack, RegistryNotConfigured
from revertrisk_service.models.installed_versions import ModelRegistry
from revertrisk_service.versions.aliases import AliasChange, Aliases, AliasStore, alias_store


class ModelVersions:
    def __init__(self, registry: ModelRegistry, store: AliasStore) -> None:
        self.registry = registry
        self.store = store

    @classmethod
    def from_settings(cls, settings: Settings) -> ModelVersions:
        if settings.model_registry_dir is None:
            raise RegistryNotConfigured(
                "No model registry is configured: set MODEL_REGISTRY_DIR to the folder that "
                "holds the installed versions."
            )
        root = settings.model_registry_dir
        return cls(ModelRegistry(root), alias_store(root, settings.redis_url))

    def aliases(self, name: str) -> Aliases:
        return self.store.read(name)

    def ensure_champion(self, name: str, shipped: Path) -> Aliases:
        """A model with no champion yet serves its shipped artifact (installed as its first
        version): a registry starts out serving what the image ships, as without one."""
        current = self.store.read(name)
        if current.champion is not None:
            return current
        versions = self.registry.versions(name)
        if not versions:
            try:
                versions = [self.registry.install(name, shipped)]
            except ModelArtifactError:
                # Another process installed it in between; otherwise the next read fails loudly.
                versions = self.registry.versions(name)
                if not versions:
                    raise
        first = versions[0]
        return self.store.change(
            name,
            lambda a: None if a.champion is not None else replace(a, champion=first),
            AliasChange(name, "bootstrap", first, None, by="service"),
        )

    def install(self, name: str, source: Path) -> str:
        return self.registry.install(name, source)

    def set_challenger(self, name: str, version: str | None, by: str) -> Aliases:
        if version is not None:
            self.registry.artifact_dir(name, version)
        current = self.store.read(name)
        if version is not None and version == current.champion:
            raise ModelArtifactError(f"{name} {version} is the champion already.", model_name=name)
        return self.store.change(
            name,
            lambda a: replace(a, challenger=version),
            AliasChange(
                name, "challenger" if version else "clear-challenger", version,
                current.challenger, by=by,
            ),
        )

    def promote(
        self,
        name: str,
        version: str,
        by: str,
        *,
        forced: bool = False,
        reason: str | None = None,
        gate: dict[str, Any] | None = None,
    ) -> Aliases:
        """Make `version` the champion; the challenger alias is cleared when it named it."""
        self.registry.artifact_dir(name, version)

        def update(a: Aliases) -> Aliases | None:
            if a.champion == version:
                return None
            return Aliases(
                champion=version,
                challenger=None if a.challenger == version else a.challenger,
                previous_champion=a.champion,
                serial=a.serial,
            )

        previous = self.store.read(name).champion
        return self.store.change(
            name,
            update,
            AliasChange(name, "promote", version, previous, by, forced=forced, reason=reason,
                        gate=gate),
        )

    def rollback(self, name: str, by: str, reason: str | None = None) -> Aliases:
        """Back to the champion before the current one; the current one is then the one a
        second rollback returns to."""
        current = self.store.read(name)
        if current.previous_champion is None:
            raise NothingToRollBack(
                f"{name} has no earlier champion to return to (champion: {current.champion}).",
                model_name=name,
            )
        back = current.previous_champion

        def update(a: Aliases) -> Aliases | None:
            if a.previous_champion is None:
                return None
            return replace(a, champion=a.previous_champion, previous_champion=a.champion)

        return self.store.change(
            name, update, AliasChange(name, "rollback", back, current.champion, by, reason=reason)
        )

    def history(self, name: str) -> list[AliasChange]:
        return self.store.history(name)
