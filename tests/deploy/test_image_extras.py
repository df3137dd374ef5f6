"""docker/needed-extras.py, which decides before anything is installed whether an image carries
the `text` extra, agrees with the loader on every feature the code can compute."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

from revertrisk_service.models.multilingual.features import ALL_FEATURES, uses_text_models

REPO = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("needed_extras", REPO / "docker" / "needed-extras.py")
needed_extras_module = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(needed_extras_module)
needed_extras = needed_extras_module.needed_extras


def write_manifest(models_dir: Path, name: str, features: list[str]) -> None:
    (models_dir / name).mkdir(parents=True)
    (models_dir / name / "model.json").write_text(json.dumps({"name": name, "features": features}))


def test_the_script_and_the_loader_agree_on_each_feature(tmp_path: Path) -> None:
    disagreements = []
    for index, feature in enumerate(ALL_FEATURES):
        write_manifest(tmp_path / str(index), "m", [feature])
        if ("text" in needed_extras(tmp_path / str(index))) != uses_text_models([feature]):
            disagreements.append(feature)
    assert not disagreements


def test_the_shipped_models_need_no_extra() -> None:
    # So the CPU image carries neither torch nor transformers (its size: tests/e2e/test_e2e_docker_image.py).
    assert needed_extras(REPO / "models") == []


def test_one_text_model_manifest_among_others_brings_the_text_extra(tmp_path: Path) -> None:
    no_text = [f for f in ALL_FEATURES if not uses_text_models([f])]
    with_text = [f for f in ALL_FEATURES if uses_text_models([f])]
    assert with_text and no_text
    write_manifest(tmp_path, "a", no_text)
    write_manifest(tmp_path, "b", [*no_text[:3], with_text[-1]])
    assert needed_extras(tmp_path) == ["text"]
