"""Installed versions and their aliases: complete artifacts only, each version once; promotion,
challenger and rollback recorded with who, when and why; the same acts through Redis."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from support.model_versions import SHIPPED, SHIPPED_VERSION, registry_with

from revertrisk_devtools.redis_server import RedisServer
from revertrisk_service.config import Settings
from revertrisk_service.errors import ModelArtifactError, NothingToRollBack, VersionNotFound
from revertrisk_service.model_table import LANGUAGE_AGNOSTIC
from revertrisk_service.models.installed_versions import ModelRegistry
from revertrisk_service.scoring.scoring_pool import ThreadScoring
from revertrisk_service.versions.aliases import FileAliasStore, RedisAliasStore
from revertrisk_service.versions.catalog import ModelVersions
from revertrisk_service.versions.wiring import open_versions, start_live_versions


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


@pytest.mark.e2e
def test_a_process_keeps_its_versions_while_redis_is_down_and_takes_the_next_change(
    tmp_path: Path, retrained: Path, redis_server: RedisServer
) -> None:
    settings, versions, candidate = registry_with(
        retrained, model_registry_dir=tmp_path, redis_url=redis_server.url
    )
    runner = ThreadScoring(1)
    try:
        live = start_live_versions(versions, settings, runner)
        redis_server.kill()
        assert live.refresh() == []  # logged, nothing changed
        assert live.champion(LANGUAGE_AGNOSTIC).version == SHIPPED_VERSION
        redis_server.start()
        versions.promote(LANGUAGE_AGNOSTIC, candidate, by="ops")
        assert live.refresh() == [LANGUAGE_AGNOSTIC]
        assert live.champion(LANGUAGE_AGNOSTIC).version == candidate
    finally:
        runner.close()


def test_a_process_that_cannot_read_the_aliases_at_start_says_so_in_one_line(
    tmp_path: Path,
) -> None:
    from revertrisk_devtools.ports import free_port

    settings = Settings(
        model=LANGUAGE_AGNOSTIC, model_registry_dir=tmp_path,
        redis_url=f"redis://127.0.0.1:{free_port()}/0",
    )  # fmt: skip
    with pytest.raises(SystemExit, match="The model aliases cannot be read") as stopped:
        open_versions(settings)
    assert "\n" not in str(stopped.value)


def test_the_commands_answer_bad_input_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from revertrisk_service.cli import app

    monkeypatch.setenv("MODEL_REGISTRY_DIR", str(tmp_path))
    monkeypatch.delenv("REDIS_URL", raising=False)
    partial = tmp_path / "partial"
    partial.mkdir()
    (partial / "model.json").write_text("{}")
    for args, expected in (
        (["models", "install", LANGUAGE_AGNOSTIC, str(partial)], "not a complete model artifact"),
        (["models", "challenger", LANGUAGE_AGNOSTIC, "9.9"], "has no version '9.9' installed"),
        (["models", "challenger", LANGUAGE_AGNOSTIC], "give a version, or --clear"),
        (["models", "rollback", LANGUAGE_AGNOSTIC], "no earlier champion"),
        (["models", "compare", LANGUAGE_AGNOSTIC], "no challenger to compare"),
    ):
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 2, (args, result.output)
        assert expected in result.stderr and len(result.stderr.strip().splitlines()) == 1


@pytest.mark.e2e
def test_a_promotion_outlives_a_redis_restart_without_persistence(
    tmp_path: Path, retrained: Path, redis_server: RedisServer
) -> None:
    settings, versions, candidate = registry_with(
        retrained, model_registry_dir=tmp_path, redis_url=redis_server.url
    )
    versions.promote(LANGUAGE_AGNOSTIC, candidate, by="ops", forced=True, reason="test")
    redis_server.kill()
    redis_server.start()  # empty: no persistence
    assert RedisAliasStore(redis_server.url).read(LANGUAGE_AGNOSTIC).champion is None
    # A replica starting now serves the promoted version, not the first installed one.
    restarted = open_versions(settings)
    assert restarted is not None
    restored = restarted.aliases(LANGUAGE_AGNOSTIC)
    assert (restored.champion, restored.previous_champion) == (candidate, SHIPPED_VERSION)
    assert restarted.history(LANGUAGE_AGNOSTIC)[-1].act == "restore"
    assert restarted.rollback(LANGUAGE_AGNOSTIC, by="ops").champion == SHIPPED_VERSION
