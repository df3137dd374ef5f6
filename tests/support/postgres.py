"""A throwaway PostgreSQL for the tests: Debian's own binaries (initdb, pg_ctl), a data directory
in a fresh temporary folder, a free loopback port, trust authentication. Never the system
server on 5432. Started and stopped at will, so a test can restart it under running writers."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from revertrisk_devtools.ports import free_port


class PostgresUnavailable(RuntimeError):
    pass


def postgres_bin_dir() -> Path:
    """The newest /usr/lib/postgresql/<major>/bin with initdb and pg_ctl."""
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0,
    )
    if not candidates:
        raise PostgresUnavailable("Debian's postgresql package is not installed (no initdb)")
    return Path(candidates[-1]).parent


@dataclass
class LocalPostgres:
    bin_dir: Path
    root: Path
    port: int
    # PostgreSQL refuses to run as root: then every command runs as the `postgres` user.
    as_user: list[str]

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def log_path(self) -> Path:
        return self.root / "server.log"

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        result = subprocess.run(
            [*self.as_user, *args], capture_output=True, text=True, timeout=120, check=False
        )
        if result.returncode != 0:
            log = self.log_path.read_text(errors="replace")[-2000:] if self.log_path.exists() else ""
            raise PostgresUnavailable(
                f"{' '.join(args[:2])} failed: {result.stderr.strip()[-1000:]}\n{log}"
            )

    def initdb(self) -> None:
        self._run(str(self.bin_dir / "initdb"), "-D", str(self.data_dir), "-U", "postgres",
                  "--auth=trust", "--encoding=UTF8", "--no-instructions")

    def start(self) -> None:
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} "
                   "-c fsync=off -c max_connections=100")
        self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-l",
                  str(self.log_path), "-o", options, "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        """fast: disconnects every client at once (what a database restart looks like)."""
        self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-m", mode, "-w",
                  "stop")


@contextmanager
def running_postgres() -> Iterator[LocalPostgres]:
    bin_dir = postgres_bin_dir()
    # Not under pytest's tmp_path: its folders are private to root, which `postgres` cannot enter.
    root = Path(tempfile.mkdtemp(prefix="revertrisk-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        runuser = shutil.which("runuser")
        if runuser is None:
            raise PostgresUnavailable("running as root without runuser to drop to `postgres`")
        shutil.chown(root, "postgres", "postgres")
        as_user = [runuser, "-u", "postgres", "--"]
    server = LocalPostgres(bin_dir, root, free_port(), as_user)
    try:
        server.initdb()
        server.start()
        yield server
    finally:
        try:
            server.stop("immediate")
        except PostgresUnavailable:
            pass  # already stopped by the test
        shutil.rmtree(root, ignore_errors=True)


def fresh_database(server: LocalPostgres) -> str:
    """A database of its own on the server (one per test), as a SQLAlchemy URL."""
    from revertrisk_service.feedback.engine import make_feedback_engine

    name = f"t{time.monotonic_ns()}"
    admin = make_feedback_engine(server.url, 5)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql(f"CREATE DATABASE {name}")
    admin.dispose()
    return server.url.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each test twice: on a SQLite file, and on a database of its own on the module's server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'database.sqlite3'}"
    return fresh_database(request.getfixturevalue("postgres_server"))
