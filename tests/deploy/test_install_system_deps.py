"""scripts/install-system-deps.sh: silent and apt-free when everything is there, every time, and
asking apt for exactly what is missing otherwise. apt-get and sudo are replaced by recorders."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "install-system-deps.sh"


def _shim(directory: Path, name: str, body: str) -> None:
    path = directory / name
    path.write_text("#!/usr/bin/env bash\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


@pytest.fixture
def shims(tmp_path: Path) -> Path:
    """apt-get and sudo that only record their arguments."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "apt.log"
    _shim(bin_dir, "apt-get", f'echo "apt-get $*" >> {log}\n')
    _shim(bin_dir, "sudo", '"$@"\n')
    return bin_dir


def run(shims: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    env = {**os.environ, "PATH": f"{shims}{os.pathsep}{os.environ['PATH']}"}
    result = subprocess.run(["bash", str(SCRIPT), *args], capture_output=True, text=True,
                            env=env, check=False, timeout=120)
    log = shims.parent / "apt.log"
    calls = log.read_text().splitlines() if log.exists() else []
    return result, calls


@pytest.mark.parametrize("scope", [[], ["try"]])
def test_with_everything_installed_it_prints_nothing_and_runs_no_apt(
    shims: Path, scope: list[str]
) -> None:
    """`make test` ran it before the tests, so everything is installed here."""
    for _ in range(5):  # the old check failed at random: run it several times
        result, calls = run(shims, *scope)
        assert result.returncode == 0, result.stderr
        assert (result.stdout, result.stderr, calls) == ("", "", [])


def test_a_long_module_list_never_reads_as_missing(shims: Path) -> None:
    """`php -m | grep -q` under pipefail: grep stops early, php dies of SIGPIPE, and the module
    looked missing. The list is now read once; a php printing far more than a pipe buffer holds
    before the modules shows it."""
    _shim(shims, "php", 'for i in $(seq 20000); do echo "padding_module_$i"; done\n'
                        'printf "pdo_sqlite\\nmbstring\\nxml\\nintl\\n"\n')
    for _ in range(3):
        result, calls = run(shims, "try")
        assert (result.stdout, calls) == ("", [])


def test_a_missing_module_is_installed_and_only_that(shims: Path) -> None:
    _shim(shims, "php", 'printf "pdo_sqlite\\nmbstring\\nxml\\n"\n')
    result, calls = run(shims, "try")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Installing Debian packages: php-intl ")
    assert calls[-1].startswith("apt-get install") and calls[-1].endswith(" php-intl")


def test_an_unknown_scope_is_refused(shims: Path) -> None:
    result, calls = run(shims, "everything")
    assert result.returncode == 2 and "usage" in result.stderr and calls == []
