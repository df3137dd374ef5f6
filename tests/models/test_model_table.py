"""One row per served model: every name, loader, trainer and wiki rule is read from model_table."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from revertrisk_service.config import Settings
from revertrisk_service.model_table import (
    MODEL_NAMES,
    MODELS,
    ServedModel,
    model_for_command,
    served_model,
)
from revertrisk_service.models.registry import describe_scorer, load_scorer, read_manifest

SHIPPED = Path(__file__).resolve().parents[2] / "models"


@pytest.mark.parametrize("row", MODELS, ids=MODEL_NAMES)
def test_each_row_names_a_shipped_artifact_its_loader_and_its_trainer(row: ServedModel) -> None:
    manifest = json.loads((SHIPPED / row.name / "model.json").read_text())
    assert manifest["name"] == row.name
    # Found, not imported: the trainers import the whole training stack.
    assert importlib.util.find_spec(row.trainer) is not None
    assert load_scorer(row.name, Settings()).name == row.name
    assert model_for_command(row.command) is row


@pytest.mark.parametrize("row", MODELS, ids=MODEL_NAMES)
def test_the_wiki_rule_decides_an_unlisted_wiki(row: ServedModel) -> None:
    described = describe_scorer(row.name, Settings())
    assert described.SERVES_EVERY_WIKI_UNLISTED is row.serves_every_wiki_unlisted


def test_a_name_no_row_has_is_refused_everywhere() -> None:
    assert model_for_command("revertrisk-language-agnostic") is None
    for read in (load_scorer, read_manifest, describe_scorer):
        with pytest.raises(ValueError, match="Unknown model 'revertrisk-nonexistent'"):
            read("revertrisk-nonexistent", Settings())
    with pytest.raises(ValueError, match="Unknown model"):
        served_model("")
