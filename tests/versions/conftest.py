"""The retrained second version, trained once per session (about 20 seconds)."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.model_versions import train_second_version


@pytest.fixture(scope="session")
def retrained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return train_second_version(tmp_path_factory.mktemp("retrained"))
