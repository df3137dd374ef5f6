"""One process's view of the aliases: the champion each model answers with and the challenger
it shadow-scores, kept current by reading the alias store every `poll_s` seconds.

Polling rather than a subscription: one small read per model per second per process costs
nothing, needs no connection that can silently die, and bounds how late a process can be. A
change is taken whole: the new versions are loaded first, then swapped in by one assignment, so
a request sees either the old pair or the new one, never half of each, and never waits. When the
store cannot be read (Redis down) or a version cannot be loaded, the process keeps serving what
it has and tries again at the next poll.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from revertrisk_service.models.scorer import Scorer
from revertrisk_service.versions.catalog import ModelVersions

log = logging.getLogger(__name__)

# (model name, version) -> the model as this process needs it.
VersionLoader = Callable[[str, str], Scorer]


def _version(scorer: Scorer | None) -> str | None:
    return scorer.version if scorer is not None else None


@dataclass(frozen=True)
class Serving:
    """What one model answers with now."""

    champion: Scorer
    challenger: Scorer | None
    serial: int


class LiveVersions:
    def __init__(
        self,
        names: Sequence[str],
        versions: ModelVersions,
        load: VersionLoader,
        poll_s: float = 1.0,
        on_change: Callable[[str, Serving], None] | None = None,
    ) -> None:
        self.names = list(names)
        self.versions = versions
        self._load = load
        self.poll_s = poll_s
        self._on_change = on_change
        self._serving: dict[str, Serving] = {}

    def start(self) -> None:
        """Load what the aliases name now; unlike a later poll, a failure here stops start-up."""
        for name in self.names:
            self._take(name)

    def serving(self, name: str) -> Serving:
        return self._serving[name]

    def champion(self, name: str) -> Scorer:
        return self._serving[name].champion

    def challenger(self, name: str) -> Scorer | None:
        return self._serving[name].challenger

    def refresh(self) -> list[str]:
        """Read the aliases of every model and take what changed; the names that changed."""
        changed = []
        for name in self.names:
            try:
                if self._take(name):
                    changed.append(name)
            except Exception as error:  # noqa: BLE001 - keep serving what is held; next poll retries
                log.warning("model versions of %s not refreshed: %s", name, error)
        return changed

    def _take(self, name: str) -> bool:
        aliases = self.versions.aliases(name)
        held = self._serving.get(name)
        # The versions named, not the serial alone: a store that lost its state (Redis without
        # persistence, restarted) counts its serial from 0 again.
        if held is not None and (held.champion.version, _version(held.challenger)) == (
            aliases.champion, aliases.challenger
        ):
            return False
        if aliases.champion is None:
            raise LookupError(f"{name} has no champion version")
        champion = self._reuse_or_load(name, aliases.champion, held)
        challenger = (
            self._reuse_or_load(name, aliases.challenger, held) if aliases.challenger else None
        )
        serving = Serving(champion, challenger, aliases.serial)
        self._serving[name] = serving
        if held is None or (held.champion.version, _version(held.challenger)) != (
            champion.version, _version(challenger)
        ):
            log.info(
                "%s: champion %s, challenger %s",
                name, champion.version, challenger.version if challenger else "none",
            )
        if self._on_change is not None:
            self._on_change(name, serving)
        return True

    def _reuse_or_load(self, name: str, version: str, held: Serving | None) -> Scorer:
        if held is not None:
            for scorer in (held.champion, held.challenger):
                if scorer is not None and scorer.version == version:
                    return scorer
        return self._load(name, version)

    async def poll(self) -> None:
        """Refresh every `poll_s` seconds until cancelled (the store is read off the loop)."""
        while True:
            await asyncio.sleep(self.poll_s)
            await asyncio.to_thread(self.refresh)
