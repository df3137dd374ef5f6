"""Several serving processes on one port: the parent binds the socket, forks the workers before
anything heavy is loaded (each loads its own models), forwards SIGTERM to them and waits for them
within the grace period. A worker that dies takes the others down, so that the container restarts
whole rather than serving at reduced capacity unnoticed."""

from __future__ import annotations

import logging
import os
import signal
import socket
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)


def prepare_multiprocess_metrics() -> Path:
    """Must run before prometheus_client is first imported, in the parent, so that every worker
    writes its figures to files that /metrics adds up. PROMETHEUS_MULTIPROC_DIR when set (emptied
    of an earlier run's files), else a new directory under the temporary directory."""
    configured = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    directory = (
        Path(configured) if configured else Path(tempfile.mkdtemp(prefix="revertrisk-metrics-"))
    )
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink()
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(directory)
    return directory


def listening_socket(port: int, host: str = "0.0.0.0") -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def run_workers(
    count: int, sock: socket.socket, serve_on: Callable[[socket.socket], None], grace_s: float
) -> int:
    """Forks `count` workers running serve_on(sock); returns the exit status for the parent."""
    children: set[int] = set()
    for _ in range(count):
        pid = os.fork()
        if pid == 0:
            _run_child(sock, serve_on)
        children.add(pid)
    sock.close()
    stopping_since: float | None = None
    status = 0

    def stop(signum: int, _frame: object) -> None:
        nonlocal stopping_since
        if stopping_since is None:
            stopping_since = time.monotonic()
            log.info("Signal %s: stopping %d workers", signum, len(children))
            _signal_all(children, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    while children:
        pid, wait_status = os.waitpid(-1, os.WNOHANG)
        if pid == 0:
            if stopping_since is not None and time.monotonic() - stopping_since > grace_s + 5:
                log.error("Workers still running after the grace period: killing them")
                _signal_all(children, signal.SIGKILL)
            time.sleep(0.1)
            continue
        children.discard(pid)
        _forget_metrics_of(pid)
        code = os.waitstatus_to_exitcode(wait_status)
        if stopping_since is None:
            log.error("Worker %d exited (%d): stopping the others", pid, code)
            status = 1
            stop(signal.SIGTERM, None)
    return status


def _run_child(sock: socket.socket, serve_on: Callable[[socket.socket], None]) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    code = 0
    try:
        serve_on(sock)
    except BaseException:  # a worker must never return into the parent's code
        log.exception("Worker failed")
        code = 1
    finally:
        logging.shutdown()
        os._exit(code)


def _signal_all(children: set[int], signum: int) -> None:
    for pid in children:
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            pass


def _forget_metrics_of(pid: int) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)
