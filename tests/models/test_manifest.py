"""Model manifests: loading, validation and the feature-order check."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from revertrisk_service.errors import ModelArtifactError
from revertrisk_service.models.manifest import (
    ModelManifest,
    check_features,
    load_manifest,
    write_manifest,
)
from revertrisk_service.wikis import resolve_lang


def _write(directory: Path, body: dict) -> None:
    (directory / "model.json").write_text(json.dumps(body), encoding="utf-8")


def test_round_trip_keeps_extra_fields(tmp_path: Path) -> None:
    manifest = ModelManifest(name="m", version="1", features=["a", "b"], seed=7, split="grouped")
    write_manifest(tmp_path, manifest)
    loaded = load_manifest(tmp_path)
    assert loaded.features == ["a", "b"]
    assert loaded.model_dump()["seed"] == 7
    assert loaded.model_dump()["split"] == "grouped"


def test_missing_manifest_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ModelArtifactError, match="No model manifest"):
        load_manifest(tmp_path)


def test_invalid_manifest_is_a_clear_error(tmp_path: Path) -> None:
    _write(tmp_path, {"name": "m", "features": ["a"]})
    with pytest.raises(ModelArtifactError, match="version"):
        load_manifest(tmp_path)


def test_matching_features_pass_and_a_renamed_one_does_not() -> None:
    manifest = ModelManifest(name="m", version="1", features=["a", "b"])
    assert check_features(manifest, ["a", "b"]) is None
    with pytest.raises(ModelArtifactError, match="first differ at position 1"):
        check_features(manifest, ["a", "c"])


def test_supported_wikis_come_from_the_manifest_alone() -> None:
    every = ModelManifest(name="m", version="1", features=[])
    assert every.supports(resolve_lang("xh")) and every.supported_langs() is None
    listed = ModelManifest.model_validate(
        {"name": "m", "version": "1", "features": [],
         "supported_wikis": [{"lang": "en", "dbname": "enwiki"}]}
    )  # fmt: skip
    assert listed.supports(resolve_lang("en")) and not listed.supports(resolve_lang("xh"))
    assert listed.supported_langs() == ["en"]


def test_reordered_features_are_refused() -> None:
    manifest = ModelManifest(name="m", version="1", features=["a", "b"])
    with pytest.raises(ModelArtifactError, match="first differ at position 0"):
        check_features(manifest, ["b", "a"])


def test_added_feature_is_named_in_the_error() -> None:
    manifest = ModelManifest(name="m", version="1", features=["a"])
    with pytest.raises(ModelArtifactError, match="Missing from the artifact: \\['b'\\]") as caught:
        check_features(manifest, ["a", "b"])
    assert caught.value.code == "model_artifact_error"
