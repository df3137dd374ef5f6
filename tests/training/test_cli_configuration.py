"""Configuration mistakes on the command line get one clear line and exit status 2, never a
traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from revertrisk_service import cli

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
