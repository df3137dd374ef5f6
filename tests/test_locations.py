"""The default places of the artifacts and the labelled data, in a checkout and outside one."""

from __future__ import annotations

from pathlib import Path

import pytest

from revertrisk_service import locations


def test_defaults_outside_a_checkout_are_relative_to_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    site_packages = tmp_path / "lib" / "python3.11" / "site-packages"
    monkeypatch.setattr(locations, "_CHECKOUT_ROOT", site_packages.parent)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DATA_DIR", raising=False)
    assert locations.checkout_root() is None
    assert locations.default_models_dir() == tmp_path / "models"
    assert locations.default_data_dir() == tmp_path.parent / "shared" / "data"


def test_defaults_inside_the_checkout(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("DATA_DIR", raising=False)
    root = locations.checkout_root()
    assert root is not None and (root / "pyproject.toml").is_file()
    assert locations.default_models_dir() == root / "models"
    assert locations.default_data_dir() == root.parent / "shared" / "data"
