"""`make try` as a newcomer meets it: a busy port is one line naming the port and the fix, and a
second run needs neither root nor the network.

`make` runs against a view of the installed virtual environment whose install stamp is fresh,
as after a first `make try` (the real stamp belongs to whoever installed it), so that the run
shows what a second one does.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from revertrisk_devtools.ports import free_port

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
VENV = REPO / ".venv"
NOBODY = 65534


@pytest.fixture
def venv_view() -> Iterator[Path]:
    """The installed venv under another name, readable by anyone, with a fresh install stamp."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    view = Path(tempfile.mkdtemp(prefix="try-venv-", dir="/tmp"))
    view.chmod(0o755)
    for entry in VENV.resolve().iterdir():
        if entry.name != ".installed":
            (view / entry.name).symlink_to(entry)
    (view / ".installed").touch()
    yield view
    shutil.rmtree(view)


def make_try(venv: Path, port: int, wiki_port: int, try_dir: Path) -> list[str]:
    return ["make", "-C", str(REPO), "--no-print-directory", "try", f"VENV={venv}",
            f"PORT={port}", f"WIKI_PORT={wiki_port}", f"TRY_DIR={try_dir}"]


@pytest.mark.parametrize("busy", ["service", "wiki"])
def test_a_busy_port_is_one_line_naming_it_and_the_fix(
    busy: str, venv_view: Path, tmp_path: Path
) -> None:
    port, wiki_port = free_port(), free_port()
    taken = port if busy == "service" else wiki_port
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", taken))
        holder.listen()
        result = subprocess.run(make_try(venv_view, port, wiki_port, tmp_path / "try"),
                                capture_output=True, text=True, check=False, timeout=120)
    assert result.returncode != 0
    assert "Starting" not in result.stdout  # said before anything starts
    ours = [line for line in result.stderr.splitlines() if not line.startswith("make")]
    what = "the service" if busy == "service" else "the local wiki"
    expected = (f"error: port {taken} ({what}) is already in use: stop what holds it, or "
                f"choose free ports: make try PORT={port + 10} WIKI_PORT={wiki_port + 10}")
    assert ours == [expected]


def _wait_for(path: Path, text: str, process: subprocess.Popen[bytes], timeout_s: float) -> str:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        output = path.read_text(errors="replace") if path.exists() else ""
        if text in output:
            return output
        if process.poll() is not None:
            pytest.fail(f"make try ended ({process.returncode}) before {text!r}:\n{output[-3000:]}")
        time.sleep(1)
    pytest.fail(f"no {text!r} after {timeout_s} s:\n{path.read_text(errors='replace')[-3000:]}")


def interpreter_for_anyone(scratch: Path) -> str:
    """Shell lines, for the test's own mount namespace, that let any user run the venv's Python
    when it was installed under root's home (pyenv here), which other users cannot enter: an
    empty /root over it, with only the interpreter's folder bound back. Nothing changes outside
    the namespace."""
    interpreter = (VENV / "bin" / "python").resolve()
    if not interpreter.is_relative_to("/root"):
        return ""
    top = Path("/root") / interpreter.relative_to("/root").parts[0]
    keep = scratch / "interpreter"
    return (f"mkdir {keep} && mount --bind {top} {keep} && mount -t tmpfs -o mode=755 tmpfs /root "
            f"&& mkdir {top} && mount --bind {keep} {top} && ")


def test_a_second_make_try_runs_without_root_and_without_network(venv_view: Path) -> None:
    """As user nobody, in a network namespace that has only the loopback interface."""
    if os.geteuid() != 0 or not all(map(shutil.which, ("unshare", "setpriv", "ip", "nsenter"))):
        pytest.skip("needs root to drop to nobody in a network namespace (unshare, setpriv, ip)")
    try_dir = Path(tempfile.mkdtemp(prefix="try-", dir="/tmp"))
    os.chown(try_dir, NOBODY, NOBODY)
    output = try_dir / "make-try.out"
    port, wiki_port = free_port(), free_port()
    command = " ".join(make_try(venv_view, port, wiki_port, try_dir / "run"))
    inner = (f"{interpreter_for_anyone(try_dir)}ip link set lo up && exec setpriv "
             f"--reuid={NOBODY} --regid={NOBODY} --clear-groups env HOME={try_dir} {command}")
    with output.open("wb") as sink:
        process = subprocess.Popen(["unshare", "--net", "--mount", "sh", "-c", inner],
                                   stdout=sink, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        printed = _wait_for(output, "Ctrl-C stops both.", process, timeout_s=300)
        assert "Installing" not in printed and "pip" not in printed
        assert "TOKEN=try-demo-token" in printed
        curl = next(line.strip() for line in printed.splitlines()
                    if line.strip().startswith("curl -s http://127.0.0.1:"))
        # The first printed command, run in that namespace (only it can reach the loopback).
        scored = subprocess.run(["nsenter", f"--net=/proc/{process.pid}/ns/net", "bash", "-c", curl],
                                capture_output=True, text=True, check=True, timeout=60)
        answer = json.loads(scored.stdout)
        assert answer["wiki_db"] == "enwiki" and 0 <= answer["output"]["probabilities"]["true"] <= 1
    finally:
        stop_group(process)
        shutil.rmtree(try_dir, ignore_errors=True)


def stop_group(process: subprocess.Popen[bytes]) -> None:
    """Ctrl-C's effect: try_it stops the wiki and the service on SIGTERM."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
