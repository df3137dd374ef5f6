"""Every input of both shipped models is described in words a patroller understands."""

from __future__ import annotations

import json

import pytest

from revertrisk_service.config import Settings
from revertrisk_service.explanations.descriptions import describe_signal, has_description
from revertrisk_service.model_table import LANGUAGE_AGNOSTIC, MULTILINGUAL

# Words that only someone who read the code would understand.
JARGON = ("mwedittypes", "mwparserfromhell", "log1p", "data lake", "nan", "csv", "edits.",
          "sysop/", "parent size", "revision size", "_")  # fmt: skip


def _features(model: str) -> list[str]:
    manifest = json.loads((Settings().model_dir(model) / "model.json").read_text())
    return list(manifest["features"])


SHIPPED = sorted({(m, f) for m in (LANGUAGE_AGNOSTIC, MULTILINGUAL) for f in _features(m)})


@pytest.mark.parametrize(("model", "feature"), SHIPPED, ids=[f"{m[11:]}:{f}" for m, f in SHIPPED])
def test_every_shipped_feature_has_a_patroller_description(model: str, feature: str) -> None:
    assert has_description(feature), f"{model} reads {feature}, which no declaration describes"
    text = describe_signal(feature)
    words = text.lower().replace("'", " ").split()
    assert text[0].isupper() and text.endswith(".") and 12 <= len(text) <= 100, text
    assert not [j for j in JARGON if j in words or (len(j) > 3 and j in text.lower())], text
    assert feature.lower() not in text.lower(), text


def test_an_undeclared_signal_still_reads_as_words() -> None:
    assert not has_description("edits_per_minute_of_moon")
    assert describe_signal("edits_per_minute_of_moon") == "Edits per minute of moon."
