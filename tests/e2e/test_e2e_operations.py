"""What an operator relies on, over real HTTP against the real server process: metrics that add
up across worker processes, JSON log lines carrying X-Request-Id, and a bounded SIGTERM grace."""

from __future__ import annotations

import json
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from prometheus_client.mmap_dict import MmapedDict
from prometheus_client.parser import text_string_to_metric_families
from support.in_flight import InFlight

from revertrisk_devtools.flaky_api import running as running_flaky_api
from revertrisk_devtools.flaky_api import slow
from revertrisk_devtools.service_process import RunningService, run_service

pytestmark = pytest.mark.e2e

LA = "revertrisk-language-agnostic"


def predict(service: RunningService, rev_id: int, **kw: object) -> httpx.Response:
    return httpx.post(
        f"{service.base_url}/v1/models/{LA}:predict",
        json={"lang": "en", "rev_id": rev_id},
        timeout=30,
        **kw,
    )


def scraped(service: RunningService, name: str) -> dict[tuple, float]:
    text = httpx.get(f"{service.base_url}/metrics", timeout=10).text
    return {
        tuple(sorted(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name
    }


def requests_counted_per_worker(metrics_dir: Path) -> dict[str, float]:
    """Each worker's own count, read from its multiprocess file."""
    counts = {}
    for path in metrics_dir.glob("counter_*.db"):
        values = MmapedDict.read_all_values_from_file(str(path))
        counts[path.stem] = sum(
            value for key, value, *_ in values if json.loads(key)[0] == "revertrisk_requests"
        )
    return counts


def test_two_workers_metrics_add_up(tmp_path: Path) -> None:
    metrics_dir = tmp_path / "metrics"
    with running_flaky_api() as wiki:
        env = {
            "WIKI_URL": wiki.url,
            "MODELS": LA,
            "WORKERS": "2",
            "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
        }
        with run_service(env, tmp_path) as service:
            total = 0
            # Fresh connections, several at a time: the kernel hands them to both workers, though
            # on a busy machine one worker may accept a whole round; so rounds go on (ten at
            # most) until both have answered.
            for _ in range(10):
                with ThreadPoolExecutor(8) as pool:
                    answers = list(pool.map(lambda rev: predict(service, 6000 + rev),
                                            range(total, total + 40)))
                assert all(a.status_code == 200 for a in answers), [a.text for a in answers][:3]
                total += 40
                # A worker counts a request right after sending its last byte: allow it that
                # moment.
                deadline = time.monotonic() + 5
                per_worker = requests_counted_per_worker(metrics_dir)
                while sum(per_worker.values()) < total and time.monotonic() < deadline:
                    time.sleep(0.05)
                    per_worker = requests_counted_per_worker(metrics_dir)
                if len([n for n in per_worker.values() if n]) == 2:
                    break
            # Two processes answered (the parent may hold a file of zeros: it answers nothing).
            assert len([n for n in per_worker.values() if n]) == 2, per_worker
            assert sum(per_worker.values()) == total
            # Whichever worker answers the scrape, it reports both workers' requests.
            for _ in range(6):
                samples = scraped(service, "revertrisk_requests_total")
                assert samples[(("model", LA), ("status", "200"))] == total
            versions = scraped(service, "revertrisk_model_info")
            assert [dict(labels)["model"] for labels in versions] == [LA]
            latency = scraped(service, "revertrisk_request_duration_seconds_count")
            assert latency[(("model", LA), ("status", "200"))] == total
            # One revision per request: each stage ran once per request.
            stages = scraped(service, "revertrisk_stage_duration_seconds_count")
            for stage in ("mediawiki_fetch", "edit_facts", "inference"):
                assert stages[(("model", LA), ("stage", stage))] == total, stages


def test_request_id_is_echoed_logged_and_generated(tmp_path: Path) -> None:
    with (
        running_flaky_api() as wiki,
        run_service({"WIKI_URL": wiki.url, "MODELS": LA}, tmp_path) as service,
    ):
        given = predict(service, 7001, headers={"X-Request-Id": "probe-7001.a"})
        assert given.headers["X-Request-Id"] == "probe-7001.a"
        generated = predict(service, 7002)
        assert len(generated.headers["X-Request-Id"]) == 32
        # An id unfit for a log line (spaces, quotes, too long) is replaced, not echoed.
        unfit = predict(service, 7003, headers={"X-Request-Id": 'a "quoted" id'})
        assert unfit.headers["X-Request-Id"] != 'a "quoted" id'
        # Error answers carry one too.
        bad = httpx.post(
            f"{service.base_url}/v1/models/{LA}:predict", content=b"{", timeout=10,
            headers={"X-Request-Id": "probe-bad-json"},
        )
        assert bad.status_code == 400 and bad.headers["X-Request-Id"] == "probe-bad-json"
        time.sleep(0.5)
        lines = [json.loads(line) for line in service.log().splitlines() if line.strip()]
    assert all({"time", "level", "logger", "message"} <= set(line) for line in lines)
    tagged = [line for line in lines if line.get("request_id") == "probe-7001.a"]
    assert tagged, "no log line carries the request id"
    assert any(generated.headers["X-Request-Id"] == line.get("request_id") for line in lines)


def test_sigterm_cuts_requests_that_outlive_the_grace_period(tmp_path: Path) -> None:
    with running_flaky_api() as wiki:
        env = {
            "WIKI_URL": wiki.url,
            "MODELS": LA,
            "SHUTDOWN_GRACE_S": "2",
            "HTTP_TIMEOUT_S": "30",
            "MEDIAWIKI_DEADLINE_S": "60",
        }
        with run_service(env, tmp_path) as service:
            wiki.push(slow(20.0))
            in_flight = InFlight(lambda: predict(service, 8001), wiki)
            start = time.monotonic()
            service.process.send_signal(signal.SIGTERM)
            service.process.wait(timeout=15)
            took = time.monotonic() - start
            outcome = in_flight.outcome()
    # It waited for the request about as long as allowed, not the 20 s the request needed.
    assert 1.5 <= took < 8, took
    assert not (isinstance(outcome, httpx.Response) and outcome.status_code == 200), outcome
