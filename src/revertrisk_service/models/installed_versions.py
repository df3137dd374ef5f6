"""The installed versions of each model: `<registry>/<model>/versions/<version>/`, each a
complete artifact (model file, manifest, card, evaluation, thresholds), never changed once
installed, so that a version name always means the same weights and the same caution levels.

A filesystem layout rather than MLflow's registry: see docs/model-versions.md for why. KServe's
storage initializer can read these directories as it reads any model directory.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

from revertrisk_service.errors import ModelArtifactError, VersionNotFound
from revertrisk_service.locations import (
    EVALUATION_JSON,
    MANIFEST_FILE,
    MODEL_CARD_MD,
    THRESHOLDS_FILENAME,
)
from revertrisk_service.models.manifest import ModelManifest, load_manifest

VERSIONS_DIR = "versions"
# What makes an artifact complete besides its weights (named by the manifest's model).
REQUIRED_FILES = (MANIFEST_FILE, EVALUATION_JSON, THRESHOLDS_FILENAME, MODEL_CARD_MD)
WEIGHTS_FILES = ("model.ubj", "model.cbm")
_VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,79}$")


def check_version_name(version: str) -> str:
    if not _VERSION.match(version):
        raise ModelArtifactError(
            f"Invalid version {version!r}: letters, digits, '.', '_', '+', '-', at most 80."
        )
    return version


def check_complete(directory: Path) -> ModelManifest:
    """The artifact's manifest, or ModelArtifactError naming the first missing piece."""
    missing = [name for name in REQUIRED_FILES if not (directory / name).is_file()]
    if not any((directory / name).is_file() for name in WEIGHTS_FILES):
        missing.append(" or ".join(WEIGHTS_FILES))
    if missing:
        raise ModelArtifactError(
            f"{directory} is not a complete model artifact: missing {', '.join(missing)} "
            "(train and evaluate it first: revertrisk train, revertrisk evaluate).",
            path=str(directory),
        )
    manifest = load_manifest(directory)
    check_version_name(manifest.version)
    return manifest


class ModelRegistry:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def versions_root(self, name: str) -> Path:
        return self.root / name / VERSIONS_DIR

    def versions(self, name: str) -> list[str]:
        """Installed versions, oldest installed first."""
        root = self.versions_root(name)
        if not root.is_dir():
            return []
        found = [p for p in root.iterdir() if p.is_dir() and (p / MANIFEST_FILE).is_file()]
        return [p.name for p in sorted(found, key=lambda p: (p.stat().st_mtime_ns, p.name))]

    def artifact_dir(self, name: str, version: str) -> Path:
        directory = self.versions_root(name) / check_version_name(version)
        if not (directory / MANIFEST_FILE).is_file():
            installed = ", ".join(self.versions(name)) or "none"
            raise VersionNotFound(
                f"{name} has no version {version!r} installed (installed: {installed}).",
                model_name=name,
            )
        return directory

    def install(self, name: str, source: Path) -> str:
        """Copy a complete artifact in under its manifest's version; a version is installed once."""
        manifest = check_complete(Path(source))
        if manifest.name != name:
            raise ModelArtifactError(
                f"{source} holds {manifest.name}, not {name}.", path=str(source)
            )
        target = self.versions_root(name) / manifest.version
        if target.exists():
            raise ModelArtifactError(
                f"{name} version {manifest.version} is already installed; a version is never "
                "replaced (give the new artifact a new version).",
                model_name=name,
            )
        target.parent.mkdir(parents=True, exist_ok=True)
        # Copied beside, then renamed: a reader never sees half a version.
        staging = Path(tempfile.mkdtemp(prefix=f".{manifest.version}.", dir=target.parent))
        try:
            shutil.copytree(source, staging, dirs_exist_ok=True)
            staging.rename(target)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return manifest.version
