"""MODEL, a container's one served model, takes precedence over MODELS."""

import pytest

from revertrisk_service.config import Settings
from revertrisk_service.model_table import LANGUAGE_AGNOSTIC, MODEL_NAMES, MULTILINGUAL


def test_model_overrides_models(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MODELS", ",".join(MODEL_NAMES))
    monkeypatch.setenv("MODEL", MULTILINGUAL)
    assert Settings().enabled_models() == [MULTILINGUAL]


def test_empty_model_serves_models(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MODELS", LANGUAGE_AGNOSTIC)
    monkeypatch.setenv("MODEL", "")
    assert Settings().enabled_models() == [LANGUAGE_AGNOSTIC]


def test_unknown_model_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MODEL", "revertrisk-nonexistent")
    with pytest.raises(ValueError, match="Unknown model"):
        Settings().enabled_models()
