"""Installed versions and their aliases: complete artifacts only, each version once; promotion,
challenger and rollback recorded with who, when and why; the same acts through Redis."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from support.model_versions import SHIPPED, SHIPPED_VERSION

from revertrisk_devtools.redis_server import RedisServer
from revertrisk_service.config import LANGUAGE_AGNOSTIC
from revertrisk_service.errors import ModelArtifactError
from revertrisk_service.versions.aliases import FileAliasStore, RedisAliasStore
from revertrisk_service.versions.catalog import ModelVersions, NothingToRollBack
from revertrisk_service.versions.registry import ModelRegistry, VersionNotFound


def test_an_incomplete_artifact_is_refused_naming_what_is_missing(tmp_path: Path) -> None:
    partial = tmp_path / "partial"
    shutil.copytree(SHIPPED, partial)
    (partial / "thresholds.json").unlink()
    registry = ModelRegistry(tmp_path / "registry")
    with pytest.raises(ModelArtifactError, match="missing thresholds.json"):
        registry.install(LANGUAGE_AGNOSTIC, partial)
    assert registry.versions(LANGUAGE_AGNOSTIC) == []


def test_a_version_is_installed_once_and_looked_up_by_name(tmp_path: Path) -> None:
    registry = ModelRegistry(tmp_path)
    assert registry.install(LANGUAGE_AGNOSTIC, SHIPPED) == SHIPPED_VERSION
    with pytest.raises(ModelArtifactError, match="already installed"):
        registry.install(LANGUAGE_AGNOSTIC, SHIPPED)
    assert registry.versions(LANGUAGE_AGNOSTIC) == [SHIPPED_VERSION]
    assert (registry.artifact_dir(LANGUAGE_AGNOSTIC, SHIPPED_VERSION) / "model.ubj").is_file()
    with pytest.raises(VersionNotFound, match="installed: " + SHIPPED_VERSION):
        registry.artifact_dir(LANGUAGE_AGNOSTIC, "9.9.9")
    with pytest.raises(ModelArtifactError, match="Invalid version"):
        registry.artifact_dir(LANGUAGE_AGNOSTIC, "../escape")


def check_acts(versions: ModelVersions, retrained: Path) -> None:
    first = versions.ensure_champion(LANGUAGE_AGNOSTIC, SHIPPED)
    assert (first.champion, first.challenger) == (SHIPPED_VERSION, None)
    with pytest.raises(NothingToRollBack):
        versions.rollback(LANGUAGE_AGNOSTIC, by="ops")
    candidate = versions.install(LANGUAGE_AGNOSTIC, retrained)
    named = versions.set_challenger(LANGUAGE_AGNOSTIC, candidate, by="ops")
    assert named.challenger == candidate and named.serial > first.serial
    promoted = versions.promote(
        LANGUAGE_AGNOSTIC, candidate, by="ops", forced=True, reason="trial"
    )
    assert (promoted.champion, promoted.challenger) == (candidate, None)
    back = versions.rollback(LANGUAGE_AGNOSTIC, by="ops")
    assert back.champion == SHIPPED_VERSION and back.previous_champion == candidate
    acts = [(c.act, c.version, c.previous, c.by) for c in versions.history(LANGUAGE_AGNOSTIC)]
    assert acts == [
        ("bootstrap", SHIPPED_VERSION, None, "service"),
        ("challenger", candidate, None, "ops"),
        ("promote", candidate, SHIPPED_VERSION, "ops"),
        ("rollback", SHIPPED_VERSION, candidate, "ops"),
    ]
    forced = versions.history(LANGUAGE_AGNOSTIC)[2]
    assert forced.forced and forced.reason == "trial" and forced.at


@pytest.mark.e2e  # trains the second version once per session
def test_acts_on_aliases_in_a_file(tmp_path: Path, retrained: Path) -> None:
    check_acts(ModelVersions(ModelRegistry(tmp_path), FileAliasStore(tmp_path)), retrained)
    # Read back by a fresh store, as another process would.
    assert FileAliasStore(tmp_path).read(LANGUAGE_AGNOSTIC).champion == SHIPPED_VERSION


@pytest.mark.e2e
def test_acts_on_aliases_in_redis(
    tmp_path: Path, retrained: Path, redis_server: RedisServer
) -> None:
    store = RedisAliasStore(redis_server.url)
    check_acts(ModelVersions(ModelRegistry(tmp_path), store), retrained)
    assert RedisAliasStore(redis_server.url).read(LANGUAGE_AGNOSTIC).champion == SHIPPED_VERSION
