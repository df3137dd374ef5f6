"""Configuration mistakes on the command line get one clear line and exit status 2, never a
traceback; the default paths work outside a checkout too."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from revertrisk_service import cli
from revertrisk_service.training import paths

runner = CliRunner()


def _one_line_error(result) -> str:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert lines[0].startswith("revertrisk: error: ")
    return lines[0]


def test_missing_data_directory_is_one_line(tmp_path: Path):
    result = runner.invoke(cli.app, ["train", "multilingual", "--data-dir", str(tmp_path / "nope")])
    assert "labelled data not found" in _one_line_error(result)


def test_data_dir_comes_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    result = runner.invoke(cli.app, ["train", "language-agnostic"])
    assert str(tmp_path / "ki_multilingual_sample.csv") in _one_line_error(result)


def test_unknown_model_to_train_is_one_line():
    assert "choose language-agnostic or multilingual" in _one_line_error(
        runner.invoke(cli.app, ["train", "bogus"])
    )


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("HTTP_TIMEOUT_S", "-1", "HTTP_TIMEOUT_S"),
        ("MAX_BATCH_SIZE", "lots", "MAX_BATCH_SIZE"),
        ("DEVICE", "tpu", "DEVICE"),
        ("MODELS", "revertrisk-nonsense", "Unknown model"),
    ],
)
def test_bad_environment_is_one_line(monkeypatch: pytest.MonkeyPatch, variable, value, expected):
    monkeypatch.setenv(variable, value)
    assert expected in _one_line_error(runner.invoke(cli.app, ["evaluate", "revertrisk-multilingual"]))


def test_evaluating_an_untrained_model_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("MODELS_DIR", str(tmp_path))
    assert "run `make models`" in _one_line_error(
        runner.invoke(cli.app, ["evaluate", "revertrisk-multilingual"])
    )


def test_defaults_outside_a_checkout_are_relative_to_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    site_packages = tmp_path / "lib" / "python3.11" / "site-packages"
    monkeypatch.setattr(paths, "_CHECKOUT_ROOT", site_packages.parent)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DATA_DIR", raising=False)
    assert paths.checkout_root() is None
    assert paths.default_models_dir() == tmp_path / "models"
    assert paths.default_data_dir() == tmp_path.parent / "shared" / "data"


def test_defaults_inside_the_checkout(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("DATA_DIR", raising=False)
    root = paths.checkout_root()
    assert root is not None and (root / "pyproject.toml").is_file()
    assert paths.default_models_dir() == root / "models"
    assert paths.default_data_dir() == root.parent / "shared" / "data"
