"""Faults survived: the real `revertrisk serve` against real loopback servers that misbehave.

MediaWiki is the scripted synthetic wiki (support/flaky_api.py: a real HTTP server answering
slowly, with 5xx, maxlag, 429 + Retry-After, HTML instead of JSON, dropped connections, or not
listening at all), Redis is a real redis-server killed mid-request and restarted. Nothing in the
client library is mocked. Each case must end in a clear error or a degraded answer within the
deadline, and the very same request must succeed once the dependency is back, with no restart.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from revertrisk_devtools.flaky_api import (
    FlakyApi,
    Step,
    dropped,
    garbage,
    maxlag,
    rate_limited,
    running,
    slow,
    unavailable,
)
from revertrisk_devtools.ports import free_port
from revertrisk_devtools.redis_server import RedisServer
from revertrisk_devtools.service_process import RunningService, run_service

pytestmark = pytest.mark.e2e

LA = "revertrisk-language-agnostic"
DEADLINE_S = 3.0
# Process scheduling on a loaded 2-core machine, on top of the deadline itself.
MARGIN_S = 2.0
ENV = {
    "MODELS": LA,
    "HTTP_TIMEOUT_S": "0.5",
    "MEDIAWIKI_DEADLINE_S": str(DEADLINE_S),
    "MEDIAWIKI_MAX_RETRIES": "2",
}


def predict(service: RunningService, rev_id: int) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = httpx.post(
        f"{service.base_url}/v1/models/{LA}:predict",
        json={"lang": "en", "rev_id": rev_id},
        timeout=DEADLINE_S + 20,
    )
    return response, time.monotonic() - started


def assert_clear_error(response: httpx.Response, statuses: set[int], codes: set[str]) -> None:
    assert response.status_code in statuses, response.text
    body = response.json()
    assert body["code"] in codes, body
    assert body["error"] and "Traceback" not in response.text


@pytest.fixture(scope="module")
def wiki_api() -> Iterator[FlakyApi]:
    with running() as api:
        yield api


@pytest.fixture(scope="module")
def service(wiki_api: FlakyApi, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningService]:
    env = {**ENV, "WIKI_URL": wiki_api.url}
    with run_service(env, tmp_path_factory.mktemp("fault-logs")) as running_service:
        yield running_service


@pytest.fixture
def api(wiki_api: FlakyApi) -> Iterator[FlakyApi]:
    wiki_api.fallback = None
    yield wiki_api
    wiki_api.fallback = None


UNAVAILABLE = ({502}, {"mediawiki_unavailable"})
UPSTREAM_FAILED = ({502, 504}, {"mediawiki_unavailable", "mediawiki_timeout"})


@pytest.mark.parametrize(
    ("name", "fault", "expected", "quick"),
    [
        ("slow beyond the deadline", slow(5.0), ({504}, {"mediawiki_timeout"}), False),
        ("503 every time", unavailable(503), UNAVAILABLE, False),
        ("500 every time", unavailable(500), UNAVAILABLE, False),
        ("maxlag every time", maxlag("0"), UPSTREAM_FAILED, False),
        ("429 asking for an hour", rate_limited("3600"), UNAVAILABLE, True),
        ("HTML instead of JSON", garbage(), UNAVAILABLE, True),
        ("connection dropped", dropped(), UPSTREAM_FAILED, False),
    ],
)
def test_persistent_mediawiki_fault_then_recovery(
    service: RunningService,
    api: FlakyApi,
    name: str,
    fault: Step,
    expected: tuple[set[int], set[str]],
    quick: bool,
) -> None:
    rev_id = 880_000 + abs(hash(name)) % 10_000
    api.fallback = fault
    response, elapsed = predict(service, rev_id)
    assert_clear_error(response, *expected)
    assert elapsed < DEADLINE_S + MARGIN_S, f"{name}: answered after {elapsed:.1f}s"
    if quick:
        # Not worth retrying (a parse failure) or not worth waiting for (Retry-After beyond the
        # deadline): answered at once instead of holding the client until the deadline.
        assert elapsed < 1.5, f"{name}: took {elapsed:.1f}s"
    api.fallback = None
    # Failures are not cached: the same revision scores as soon as MediaWiki is healthy again.
    recovered, _ = predict(service, rev_id)
    assert recovered.status_code == 200, recovered.text
    assert recovered.json()["revision_id"] == rev_id


def test_429_with_a_short_retry_after_is_honoured(service: RunningService, api: FlakyApi) -> None:
    before = len(api.requests)
    api.push(rate_limited("1"))
    response, elapsed = predict(service, 890_001)
    assert response.status_code == 200, response.text
    assert elapsed >= 1.0, "Retry-After: 1 was not waited for"
    assert elapsed < DEADLINE_S + MARGIN_S
    assert len(api.requests) > before + 1  # the rate-limited call was retried


def test_transient_faults_are_retried_into_a_score(service: RunningService, api: FlakyApi) -> None:
    # Two failures at most per call: within MEDIAWIKI_MAX_RETRIES=2, whichever calls they hit.
    api.push(unavailable(503), maxlag("0"))
    response, elapsed = predict(service, 890_002)
    assert response.status_code == 200, response.text
    assert elapsed < DEADLINE_S + MARGIN_S


def test_no_traceback_after_the_mediawiki_faults(service: RunningService) -> None:
    assert "Traceback" not in service.log(), service.log()[-3000:]


def test_connection_refused_then_mediawiki_comes_up(tmp_path: Path) -> None:
    port = free_port()
    env = {**ENV, "WIKI_URL": f"http://127.0.0.1:{port}"}
    with run_service(env, tmp_path) as refused_service:
        response, elapsed = predict(refused_service, 890_003)
        assert_clear_error(response, *UNAVAILABLE)
        assert elapsed < DEADLINE_S + MARGIN_S
        with running(port=port):
            recovered, _ = predict(refused_service, 890_003)
            assert recovered.status_code == 200, recovered.text
        assert "Traceback" not in refused_service.log()


def test_redis_dies_mid_request_and_comes_back(
    redis_server: RedisServer,
    tmp_path: Path,
) -> None:
    with running() as wiki:
        env = {**ENV, "WIKI_URL": wiki.url, "REDIS_URL": redis_server.url}
        with run_service(env, tmp_path) as cached_service:
            # The request is in flight (MediaWiki answering slowly) when Redis dies.
            wiki.push(slow(1.5))
            answers: list[tuple[httpx.Response, float]] = []
            worker = threading.Thread(target=lambda: answers.append(predict(cached_service, 891_001)))
            worker.start()
            time.sleep(0.5)
            redis_server.kill()
            worker.join(timeout=DEADLINE_S + 20)
            (response, elapsed), = answers
            assert response.status_code == 200, response.text
            assert elapsed < DEADLINE_S + MARGIN_S

            # While Redis is down: scores still come, uncached.
            down, elapsed = predict(cached_service, 891_002)
            assert down.status_code == 200, down.text
            assert elapsed < DEADLINE_S + MARGIN_S

            redis_server.start()  # same port, empty
            deadline = time.monotonic() + 30
            hit = None
            while time.monotonic() < deadline:
                first, _ = predict(cached_service, 891_003)
                again, _ = predict(cached_service, 891_003)
                assert first.status_code == again.status_code == 200
                if again.headers.get("x-cache") == "hit":
                    hit = again
                    break
                time.sleep(0.5)
            assert hit is not None, "the cache never came back after Redis restarted"
            assert "Traceback" not in cached_service.log(), cached_service.log()[-3000:]
