"""Building the service image and running containers of it for the e2e tests."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from revertrisk_devtools.ports import free_port
from revertrisk_devtools.service_process import wait_for_models

REPO = Path(__file__).resolve().parents[2]


def docker(*args: str, timeout: float = 120, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["docker", *args], capture_output=True, text=True, timeout=timeout, check=check
    )


def require_docker() -> None:
    """`make test` sets Docker up (scripts/docker-setup.sh); CI must never skip these tests."""
    usable = shutil.which("docker") is not None and docker("info", check=False).returncode == 0
    if usable:
        return
    message = "Docker is not usable here: run `make docker-deps` (or `make test`)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


# The build's own progress lines, shown while it runs (the whole log goes to var/).
PROGRESS_PREFIXES = ("Extras ", "Building revertrisk", "Step ", "install-project.sh:", "slim-venv.sh:",
                     "smoke test:", "Built ", "docker build failed")


def terminal_writer(config: pytest.Config) -> Callable[[str], None]:
    """A line writer that reaches the terminal while pytest captures output: a first image
    build takes minutes and must not look like a hung test."""
    capture = config.pluginmanager.getplugin("capturemanager")
    reporter = config.pluginmanager.getplugin("terminalreporter")

    def write(line: str) -> None:
        with capture.global_and_fixture_disabled():
            reporter.write_line(line)

    return write


def build_image(target: str = "cpu", report: Callable[[str], None] = print) -> str:
    """scripts/build-image.sh, as `make image` runs it; Docker's layer cache makes reruns quick.
    Progress lines go to `report`, the full output to var/image-build-<target>.log."""
    log_path = REPO / "var" / f"image-build-{target}.log"
    log_path.parent.mkdir(exist_ok=True)
    report(f"building the {target} image (minutes the first time, seconds when cached); log: {log_path}")
    process = subprocess.Popen(
        ["bash", "scripts/build-image.sh", target],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    built = []
    with log_path.open("w") as log:
        for line in process.stdout:
            log.write(line)
            log.flush()
            if line.startswith(PROGRESS_PREFIXES):
                report(f"  {line.rstrip()[:150]}")
            if line.startswith("Built "):
                built.append(line)
    if process.wait(timeout=1800) != 0:
        raise AssertionError(f"image build failed:\n{log_path.read_text()[-6000:]}")
    assert built, log_path.read_text()[-2000:]
    # "Built revertrisk-service:0.1.0 in 12 s, 0.93 GB"
    return built[-1].split()[1]


def image_size_bytes(image: str) -> int | None:
    """The image's size as `docker images` counts it (all its layers), or None when absent."""
    result = docker("image", "inspect", "--format", "{{.Size}}", image, check=False)
    return int(result.stdout) if result.returncode == 0 else None


@dataclass
class Container:
    name: str
    port: int

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def logs(self) -> str:
        result = docker("logs", self.name, check=False)
        return result.stdout + result.stderr

    def exec(self, *command: str) -> subprocess.CompletedProcess[str]:
        return docker("exec", self.name, *command, check=False)

    def inspect(self) -> dict:
        return json.loads(docker("inspect", self.name).stdout)[0]


@contextmanager
def running_container(
    image: str, name: str, env: Mapping[str, str], *, ready_timeout_s: float = 180
) -> Iterator[Container]:
    """The image as an operator runs it: read-only root, a tmpfs /tmp, the host's loopback
    (where the test's MediaWiki and Redis listen), a fast health check interval."""
    port = free_port()
    docker("rm", "-f", name, check=False)
    env_args = [f"--env={k}={v}" for k, v in {**env, "HTTP_PORT": str(port)}.items()]
    docker(
        "run", "--detach", "--name", name, "--network", "host", "--read-only",
        "--tmpfs", "/tmp", "--health-interval", "2s", "--health-start-period", "120s",
        *env_args, image,
    )
    container = Container(name, port)
    try:
        _wait_ready(container, ready_timeout_s)
        yield container
    finally:
        docker("rm", "--force", name, check=False)


def _wait_ready(container: Container, timeout_s: float) -> None:
    def check_alive() -> None:
        state = container.inspect()["State"]
        if not state["Running"]:
            raise AssertionError(f"container exited ({state['ExitCode']}):\n{container.logs()[-4000:]}")

    if not wait_for_models(container.base_url, timeout_s, check_alive, poll_s=0.5):
        raise AssertionError(f"container not ready after {timeout_s} s:\n{container.logs()[-4000:]}")


def wait_healthy(container: Container, timeout_s: float = 60) -> str:
    deadline = time.monotonic() + timeout_s
    status = ""
    while time.monotonic() < deadline:
        status = container.inspect()["State"].get("Health", {}).get("Status", "")
        if status in ("healthy", "unhealthy"):
            return status
        time.sleep(0.5)
    return status
