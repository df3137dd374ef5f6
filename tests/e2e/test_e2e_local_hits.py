"""A score the replica holds in memory is answered at the door (http.local_hits), by the real
`revertrisk serve`, with the same status, headers and bytes as KServe's path gives the same hit.
KServe's per-model histograms tell the two paths apart: only the full path runs the model's steps.
Also: LOG_LEVEL=WARNING silences KServe's per-request timing lines (kserve.trace), as the benches
assume when they quiet the no-op model they compare a hit with (bench/noop_model.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from revertrisk_devtools.flaky_api import SyntheticWiki, running
from revertrisk_devtools.service_process import RunningService, run_service

pytestmark = pytest.mark.e2e

LA = "revertrisk-language-agnostic"
PREDICT = f"/v1/models/{LA}:predict"
# Headers every answer carries but whose values differ between two requests.
PER_REQUEST = {"x-request-id", "date"}


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningService]:
    with (
        running(SyntheticWiki()) as wiki_api,
        run_service(
            {"WIKI_URL": wiki_api.url, "MODELS": LA, "LOG_LEVEL": "WARNING"},
            tmp_path_factory.mktemp("local-hits-logs"),
        ) as running_service,
    ):
        yield running_service


def kserve_predicts(client: httpx.Client) -> float:
    """How many requests ran the model's predict step (KServe's own histogram)."""
    metrics = client.get("/metrics").text
    found = re.search(
        rf'^request_predict_seconds_count{{model_name="{LA}"}} (\S+)$', metrics, re.MULTILINE
    )
    return float(found[1]) if found else 0.0


def comparable(response: httpx.Response) -> tuple[int, list[tuple[str, str]], bytes]:
    headers = [(k, v) for k, v in response.headers.multi_items() if k not in PER_REQUEST]
    return response.status_code, headers, response.content


def test_a_held_hit_answers_as_kserves_path_does(service: RunningService) -> None:
    with httpx.Client(base_url=service.base_url, timeout=30) as client:
        body = {"lang": "en", "rev_id": 91_001}
        miss = client.post(PREDICT, json=body)
        assert miss.headers["x-cache"] == "miss", miss.text
        before = kserve_predicts(client)
        held = client.post(PREDICT, json=body)
        assert kserve_predicts(client) == before, "the held hit went through KServe"
        # Any query string takes the full path; refresh=false changes nothing else.
        full = client.post(PREDICT, params={"refresh": "false"}, json=body)
        assert kserve_predicts(client) == before + 1
        assert comparable(held) == comparable(full)
        assert held.headers["x-cache"] == "hit" and held.headers["x-cache-hits"] == "1/1"
        assert held.json() == {**miss.json()}
        assert held.headers["x-request-id"] != full.headers["x-request-id"]
        # A client's own request id is echoed on a held hit too (the id layer is outside).
        echoed = client.post(PREDICT, json=body, headers={"X-Request-Id": "patroller-42"})
        assert echoed.headers["x-request-id"] == "patroller-42"
        metrics = client.get("/metrics").text
        assert re.search(
            rf'^revertrisk_requests_total{{model="{LA}",status="200"}} 4\.0$', metrics, re.MULTILINE
        ), "every predict is counted, whichever path answered it"


def test_log_level_warning_silences_kserves_timing_lines(service: RunningService) -> None:
    with httpx.Client(base_url=service.base_url, timeout=30) as client:
        assert client.post(PREDICT, json={"lang": "en", "rev_id": 91_101}).status_code == 200
    assert "kserve.trace" not in service.log()
