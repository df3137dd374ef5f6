"""Which version of a model serves (`champion`) and which one is tried (`challenger`), and the
record of every change: who moved an alias, when, why, and what the gate said.

Two stores with one contract. Without Redis, a JSON file beside the versions (one host). With
Redis, which the deployment already runs for the score cache, a hash per model that every
replica reads: a change is one transaction, and each serving process polls the hash's `serial`
(versions.live), so a promotion reaches all of them within the poll interval. Every change bumps
`serial`; a process that sees a new serial loads the named versions.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import redis

log = logging.getLogger(__name__)

ALIASES_FILE = "aliases.json"
HISTORY_FILE = "history.jsonl"
REDIS_PREFIX = "revertrisk:versions"


@dataclass(frozen=True)
class Aliases:
    champion: str | None = None
    challenger: str | None = None
    # The champion before the current one: what a rollback returns to.
    previous_champion: str | None = None
    serial: int = 0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Aliases:
        return cls(
            champion=data.get("champion") or None,
            challenger=data.get("challenger") or None,
            previous_champion=data.get("previous_champion") or None,
            serial=int(data.get("serial") or 0),
        )


@dataclass(frozen=True)
class AliasChange:
    """One act on a model's aliases, kept for the record."""

    model: str
    act: str  # bootstrap, promote, rollback, challenger, clear-challenger, restore
    version: str | None
    previous: str | None
    by: str
    at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    forced: bool = False
    reason: str | None = None
    gate: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class AliasConflict(RuntimeError):
    """The aliases changed between reading and writing them; the act should be tried again."""


class AliasStore(Protocol):
    def read(self, name: str) -> Aliases: ...

    def change(
        self, name: str, update: Callable[[Aliases], Aliases | None], record: AliasChange
    ) -> Aliases:
        """Apply `update` to the current aliases atomically and record the act; `update`
        returning None means nothing to change (then nothing is recorded)."""
        ...

    def history(self, name: str) -> list[AliasChange]: ...


class FileAliasStore:
    """Aliases in `<root>/<model>/aliases.json`, changes appended to `history.jsonl`; writers
    hold an exclusive lock, readers see the old or the new file whole (rename)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _path(self, name: str, filename: str) -> Path:
        return self.root / name / filename

    def read(self, name: str) -> Aliases:
        try:
            return Aliases.from_json(json.loads(self._path(name, ALIASES_FILE).read_text("utf-8")))
        except FileNotFoundError:
            return Aliases()

    @contextmanager
    def _locked(self, name: str) -> Iterator[None]:
        lock_path = self._path(name, ".aliases.lock")
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        with lock_path.open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def change(
        self, name: str, update: Callable[[Aliases], Aliases | None], record: AliasChange
    ) -> Aliases:
        with self._locked(name):
            current = self.read(name)
            changed = update(current)
            if changed is None:
                return current
            changed = replace(changed, serial=current.serial + 1)
            path = self._path(name, ALIASES_FILE)
            staging = path.with_suffix(".tmp")
            staging.write_text(json.dumps(changed.to_json()), encoding="utf-8")
            os.replace(staging, path)
            with self._path(name, HISTORY_FILE).open("a", encoding="utf-8") as history:
                history.write(json.dumps(record.to_json()) + "\n")
            return changed

    def history(self, name: str) -> list[AliasChange]:
        try:
            lines = self._path(name, HISTORY_FILE).read_text("utf-8").splitlines()
        except FileNotFoundError:
            return []
        return [AliasChange(**json.loads(line)) for line in lines if line.strip()]


class RedisAliasStore:
    """Aliases in the hash `revertrisk:versions:<model>`, changes in the list beside it."""

    def __init__(self, url: str, timeout_s: float = 1.0) -> None:
        self.client = redis.Redis.from_url(
            url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s, decode_responses=True
        )

    @staticmethod
    def _key(name: str) -> str:
        return f"{REDIS_PREFIX}:{name}"

    def read(self, name: str) -> Aliases:
        return Aliases.from_json(self.client.hgetall(self._key(name)))  # type: ignore[arg-type]

    def change(
        self, name: str, update: Callable[[Aliases], Aliases | None], record: AliasChange
    ) -> Aliases:
        key = self._key(name)
        for _ in range(10):
            with self.client.pipeline(transaction=True) as pipe:
                try:
                    pipe.watch(key)
                    current = Aliases.from_json(pipe.hgetall(key))  # type: ignore[arg-type]
                    changed = update(current)
                    if changed is None:
                        return current
                    changed = replace(changed, serial=current.serial + 1)
                    pipe.multi()
                    pipe.delete(key)
                    pipe.hset(
                        key,
                        mapping={k: "" if v is None else str(v) for k, v in asdict(changed).items()},
                    )
                    pipe.rpush(f"{key}:history", json.dumps(record.to_json()))
                    pipe.execute()
                    return changed
                except redis.WatchError:
                    continue
        raise AliasConflict(f"the aliases of {name} kept changing; try again")

    def history(self, name: str) -> list[AliasChange]:
        raw = self.client.lrange(f"{self._key(name)}:history", 0, -1)
        return [AliasChange(**json.loads(line)) for line in raw]  # type: ignore[union-attr]

    def close(self) -> None:
        self.client.close()


class MirroredAliasStore:
    """Redis, which every replica reads, with each change mirrored to the registry's file.

    A Redis that restarts without persistence comes back empty; its serial and its aliases are
    gone, and a replica starting then would serve the first installed version. The mirror keeps
    the last change: an empty Redis is seeded from it (recorded as a "restore"), so a promotion
    outlives a Redis restart. A mirror that cannot be written (a read-only registry volume) is
    logged and skipped; Redis stays the truth.
    """

    def __init__(self, redis_store: RedisAliasStore, mirror: FileAliasStore) -> None:
        self.redis = redis_store
        self.mirror = mirror

    def read(self, name: str) -> Aliases:
        current = self.redis.read(name)
        if current.champion is not None:
            return current
        kept = self.mirror.read(name)
        if kept.champion is None:
            return current
        return self.redis.change(
            name,
            lambda a: None if a.champion is not None else replace(kept, serial=a.serial),
            AliasChange(name, "restore", kept.champion, None, by="service",
                        reason="the alias store was empty; restored from the registry's copy"),
        )

    def change(
        self, name: str, update: Callable[[Aliases], Aliases | None], record: AliasChange
    ) -> Aliases:
        self.read(name)  # seed an empty Redis first, so that `update` sees the real aliases
        changed = self.redis.change(name, update, record)
        try:
            self.mirror.change(name, lambda _: changed, record)
        except OSError as error:
            log.warning("the registry's copy of the aliases of %s is not written: %s", name, error)
        return changed

    def history(self, name: str) -> list[AliasChange]:
        return self.redis.history(name) or self.mirror.history(name)


def alias_store(registry_root: Path, redis_url: str | None) -> AliasStore:
    """Redis when the deployment has it (every replica sees one truth), mirrored to the file;
    else the file alone."""
    if redis_url:
        return MirroredAliasStore(RedisAliasStore(redis_url), FileAliasStore(registry_root))
    return FileAliasStore(registry_root)
