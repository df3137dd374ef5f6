"""Model manifests: the `model.json` next to every shipped artifact, describing what it is.

Generic across models: a loader checks that the feature order the artifact was trained with is
the order the running code computes, so a stale artifact fails at start-up, not silently.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from revertrisk_service.errors import ModelArtifactError
from revertrisk_service.locations import MANIFEST_FILE
from revertrisk_service.wikis import Wiki

__all__ = ["MANIFEST_FILE", "ModelArtifactError", "ModelManifest", "check_features",
           "load_manifest", "write_manifest"]


class SupportedWiki(BaseModel):
    lang: str
    dbname: str


class ModelManifest(BaseModel):
    model_config = ConfigDict(extra="allow", protected_namespaces=())

    name: str
    version: str
    features: list[str]
    training_data: dict[str, Any] = {}
    metrics: dict[str, Any] = {}
    library_versions: dict[str, str] = {}
    # The wikis a model serves; absent when it serves every Wikipedia.
    supported_wikis: list[SupportedWiki] | None = None
    # Where the multilingual model's text classifiers sit, relative to the artifact directory.
    text_models: dict[str, str] | None = None

    def supports(self, wiki: Wiki) -> bool:
        return self.supported_wikis is None or any(
            w.dbname == wiki.dbname for w in self.supported_wikis
        )

    def supported_langs(self) -> list[str] | None:
        return None if self.supported_wikis is None else [w.lang for w in self.supported_wikis]


def load_manifest(model_dir: Path) -> ModelManifest:
    path = Path(model_dir) / MANIFEST_FILE
    try:
        return ModelManifest.model_validate_json(path.read_bytes())
    except FileNotFoundError:
        raise ModelArtifactError(f"No model manifest at {path}.", path=str(path)) from None
    except ValidationError as exc:
        raise ModelArtifactError(f"Invalid model manifest {path}: {exc}", path=str(path)) from None


def write_manifest(model_dir: Path, manifest: ModelManifest) -> Path:
    path = Path(model_dir) / MANIFEST_FILE
    path.write_text(manifest.model_dump_json(indent=2) + "\n", encoding="utf-8")
    return path


def check_features(manifest: ModelManifest, expected: Sequence[str]) -> None:
    """Raise unless the artifact's feature list equals `expected`, in the same order."""
    expected = list(expected)
    if manifest.features == expected:
        return
    missing = [f for f in expected if f not in manifest.features]
    unknown = [f for f in manifest.features if f not in expected]
    first_difference = next(
        (i for i, (a, b) in enumerate(zip(manifest.features, expected)) if a != b),
        min(len(manifest.features), len(expected)),
    )
    raise ModelArtifactError(
        f"Model {manifest.name} {manifest.version} was trained on {len(manifest.features)} "
        f"features but the code computes {len(expected)}; they first differ at position "
        f"{first_difference}. Missing from the artifact: {missing[:10]}; unknown to the code: "
        f"{unknown[:10]}. Retrain the model (make models) or run the matching code version.",
        model=manifest.name,
    )
