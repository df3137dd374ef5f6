"""Runs the real `revertrisk serve` in a subprocess on a loopback port, as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from revertrisk_devtools.ports import free_port

REPO = Path(__file__).resolve().parents[2]


@dataclass
class RunningService:
    base_url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@contextmanager
def run_service(
    env: Mapping[str, str], log_dir: Path, *, ready_timeout_s: float = 90.0, port: int | None = None
) -> Iterator[RunningService]:
    port = port or free_port()
    log_path = log_dir / f"service-{port}.log"
    full_env = {**os.environ, "HTTP_PORT": str(port), "LOG_LEVEL": "INFO", **env}
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "revertrisk_service.cli", "serve"],
            env=full_env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            cwd=REPO,
        )
    service = RunningService(f"http://127.0.0.1:{port}", process, log_path)
    try:
        _wait_ready(service, ready_timeout_s)
        yield service
    finally:
        stop_process(process)


def stop_process(process: subprocess.Popen[bytes]) -> None:
    """Ask politely, then insist: a wedged server must not hang the run that started it."""
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def wait_for_models(
    base_url: str, timeout_s: float, check_alive: Callable[[], None], poll_s: float = 0.2
) -> bool:
    """Poll `GET /v1/models` until it answers 200 (True) or `timeout_s` passes (False);
    `check_alive` raises when the server is gone, so a dead one fails at once."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        check_alive()
        try:
            if httpx.get(f"{base_url}/v1/models", timeout=1).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(poll_s)
    return False


def _wait_ready(service: RunningService, timeout_s: float) -> None:
    def check_alive() -> None:
        if service.process.poll() is not None:
            raise RuntimeError(f"service exited early:\n{service.log()[-4000:]}")

    if not wait_for_models(service.base_url, timeout_s, check_alive):
        raise RuntimeError(f"service not ready after {timeout_s}s:\n{service.log()[-4000:]}")
