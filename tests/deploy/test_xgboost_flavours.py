"""XGBoost per image: the CPU-only wheel everywhere (pyproject.toml), the full one with its CUDA
kernels only in the GPU image (docker/install-project.sh swaps it in). pip is a recorder here."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def requirements(flavour: str, tmp_path: Path) -> list[str]:
    shims = tmp_path / "bin"
    shims.mkdir()
    pip = shims / "pip"
    # The recorder keeps what install-project.sh asked pip to install: the -r file's lines.
    pip.write_text(f'#!/bin/sh\nwhile [ "$1" != "-r" ]; do shift; done\ncp "$2" {tmp_path}/asked\n')
    pip.chmod(pip.stat().st_mode | stat.S_IXUSR)
    (shims / "python").symlink_to(sys.executable)
    env = {**os.environ, "PATH": f"{shims}{os.pathsep}{os.environ['PATH']}",
           "PYPROJECT": str(REPO / "pyproject.toml"), "LOCAL_WHEELS": str(tmp_path / "none")}
    subprocess.run(["sh", str(REPO / "docker" / "install-project.sh"), "deps", flavour],
                   env=env, check=True, capture_output=True, timeout=60)
    return (tmp_path / "asked").read_text().splitlines()


@pytest.mark.parametrize(("flavour", "wanted", "unwanted"),
                         [("cpu", "xgboost-cpu", "xgboost"), ("gpu", "xgboost", "xgboost-cpu")])
def test_each_image_gets_its_xgboost(flavour: str, wanted: str, unwanted: str,
                                     tmp_path: Path) -> None:
    names = {line.split("<")[0].split(">")[0].split("=")[0] for line in requirements(flavour, tmp_path)}
    assert wanted in names and unwanted not in names
