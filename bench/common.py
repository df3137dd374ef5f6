"""Shared pieces of the cache and precache benchmarks: real servers on loopback, stats, events.

Everything runs on 127.0.0.1: a private redis-server, the fake wiki
(revertrisk_devtools/article_wiki.py), the SSE replay server of the tests, and `revertrisk serve`
/ `revertrisk precache` as subprocesses, exactly as an operator would start them.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

REPO = Path(__file__).resolve().parents[1]

from revertrisk_devtools.article_wiki import ArticleApi, ArticleWiki
from revertrisk_devtools.flaky_api import FlakyApi
from revertrisk_devtools.ports import free_port
from revertrisk_devtools.redis_server import RedisServer
from revertrisk_devtools.service_process import RunningService, run_service, stop_process
from revertrisk_devtools.sse_server import SSEServer

LANGUAGE_AGNOSTIC = "revertrisk-language-agnostic"
MULTILINGUAL = "revertrisk-multilingual"
# Large Wikipedias, all served by both models; the fake wiki answers every Host the same way.
LANGS = ("en", "de", "fr", "es", "ja", "ru", "it", "zh", "nl", "pl")


# -- statistics ---------------------------------------------------------------------------------


def quantile(samples: Sequence[float], q: float) -> float:
    ordered = sorted(samples)
    if not ordered:
        return float("nan")
    # Nearest-rank on the sorted samples: no interpolation, so p99 of 300 samples is a real one.
    index = min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))
    return ordered[index]


@dataclass(frozen=True)
class Summary:
    n: int
    median: float
    p95: float
    p99: float
    mean: float

    @classmethod
    def of(cls, samples: Sequence[float]) -> Summary:
        if not samples:
            nan = float("nan")
            return cls(0, nan, nan, nan, nan)
        return cls(
            len(samples),
            statistics.median(samples),
            quantile(samples, 0.95),
            quantile(samples, 0.99),
            statistics.fmean(samples),
        )

    def line(self, unit: str = "ms") -> str:
        return (
            f"median {self.median:7.2f} {unit}  p95 {self.p95:7.2f} {unit}  "
            f"p99 {self.p99:7.2f} {unit}  mean {self.mean:7.2f} {unit}  (n={self.n})"
        )


def header(title: str) -> None:
    print(f"\n== {title} ==", flush=True)


# -- servers ------------------------------------------------------------------------------------


@contextmanager
def redis_server() -> Iterator[RedisServer]:
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("redis-server is not installed (apt-get install redis-server)")
    with tempfile.TemporaryDirectory(prefix="bench-redis-") as workdir:
        server = RedisServer(binary, Path(workdir))
        server.start()
        try:
            yield server
        finally:
            server.kill()


@contextmanager
def fake_wiki() -> Iterator[FlakyApi]:
    api = ArticleApi()
    api.start()
    try:
        yield api
    finally:
        api.stop()


def service_env(model: str, redis_url: str, wiki_url: str) -> dict[str, str]:
    return {
        "MODELS": model,
        "REDIS_URL": redis_url,
        "WIKI_URL": wiki_url,
        "LOG_LEVEL": "WARNING",
        "USER_AGENT": "revertrisk-service benchmark (loopback only)",
        # The benches play many clients from one loopback address; the per-client limit would
        # turn their overlap into 429s.
        "CLIENT_CONCURRENCY_LIMIT": "0",
    }


@contextmanager
def serving(
    model: str, redis_url: str, wiki_url: str, ready_timeout_s: float = 240.0
) -> Iterator[RunningService]:
    """The real `revertrisk serve` in a subprocess; its log is printed if it fails to start."""
    env = service_env(model, redis_url, wiki_url)
    with (
        tempfile.TemporaryDirectory(prefix="bench-serve-") as log_dir,
        run_service(env, Path(log_dir), ready_timeout_s=ready_timeout_s) as service,
    ):
        yield service


@dataclass
class PrecacheProcess:
    process: subprocess.Popen[bytes]
    metrics_url: str
    log_path: Path

    def log_tail(self, chars: int = 3000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:]

    def metrics(self) -> dict[str, float]:
        return scrape(self.metrics_url)

    def cpu_seconds(self) -> float:
        """User + system CPU time the process and its scoring processes have used so far."""
        return process_tree_cpu_seconds(self.process.pid)


@contextmanager
def precaching(
    model: str,
    redis_url: str,
    wiki_url: str,
    stream_url: str,
    *,
    concurrency: int = 4,
    queue_size: int = 1000,
    server_url: str | None = None,
    shard: str | None = None,
    extra_env: Mapping[str, str] | None = None,
) -> Iterator[PrecacheProcess]:
    """The real `revertrisk precache` in a subprocess, with its Prometheus metrics on loopback."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "revertrisk_service.cli",
        "precache",
        "--stream-url",
        stream_url,
        "--metrics-port",
        str(port),
        "--concurrency",
        str(concurrency),
        "--queue-size",
        str(queue_size),
        "--consumer-name",
        f"bench-{port}",
    ]
    if server_url:
        command += ["--server-url", server_url]
    if shard:
        command += ["--shard", shard]
    env = {**os.environ, **service_env(model, redis_url, wiki_url), **(extra_env or {})}
    with tempfile.TemporaryDirectory(prefix="bench-precache-") as log_dir:
        log_path = Path(log_dir) / "precache.log"
        with log_path.open("wb") as log_file:
            process = subprocess.Popen(
                command, env=env, stdout=log_file, stderr=subprocess.STDOUT, cwd=REPO
            )
        try:
            yield PrecacheProcess(process, f"http://127.0.0.1:{port}/metrics", log_path)
        finally:
            stop_process(process)


def process_tree_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process and its live children (Linux /proc)."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if stat.parent.name == str(pid) or fields[1] == str(pid):
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def wait_for_stream_client(sse: SSEServer, process: PrecacheProcess, timeout_s: float) -> bool:
    """True once the precacher has connected to the stream; False if it died or took too long."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if sse.state.requests:
            return True
        if process.process.poll() is not None:
            return False
        time.sleep(0.05)
    return False


def scrape(url: str) -> dict[str, float]:
    """Prometheus text → {'name{label="v",...}': value}, labels sorted; {} if unreachable."""
    try:
        text = httpx.get(url, timeout=2).text
    except httpx.HTTPError:
        return {}
    values: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = ",".join(f'{k}="{v}"' for k, v in sorted(sample.labels.items()))
            values[f"{sample.name}{{{labels}}}" if labels else sample.name] = sample.value
    return values


def metric_delta(before: Mapping[str, float], after: Mapping[str, float], key: str) -> float:
    return after.get(key, 0.0) - before.get(key, 0.0)


# -- stream events ------------------------------------------------------------------------------


def page_change(
    rev_id: int,
    lang: str,
    *,
    kind: str = "edit",
    bot: bool = False,
    namespace: int = 0,
    when: datetime | None = None,
) -> dict:
    """A mediawiki.page_change.v1 event for a fake-wiki revision (parent rev_id - 1)."""
    dt = (when or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    page_id = ArticleWiki.page_of(rev_id)
    return {
        "$schema": "/mediawiki/page/change/1.1.0",
        "meta": {"stream": "mediawiki.page_change.v1", "domain": f"{lang}.wikipedia.org", "dt": dt},
        "dt": dt,
        "wiki_id": f"{lang.replace('-', '_')}wiki",
        "page_change_kind": kind,
        "page": {"page_id": page_id, "page_title": f"Article {page_id}", "namespace_id": namespace},
        "performer": {"user_text": "Editor1", "user_is_bot": bot, "groups": ["*", "user"]},
        "revision": {"rev_id": rev_id, "rev_parent_id": 0 if kind == "create" else rev_id - 1},
    }


# -- results ------------------------------------------------------------------------------------


def replace_section(path: Path, name: str, lines: Sequence[str]) -> None:
    """Write one benchmark's block into a shared results file, in place of its previous block
    (or at the end), leaving every other line as it was. The markers are those bench_goals.py's
    rewrite keeps (KEPT_SECTION)."""
    begin, end = f"<!-- begin: {name} -->", f"<!-- end: {name} -->"
    text = path.read_text() if path.exists() else ""
    block = "\n".join([begin, *lines, end])
    if begin in text and end in text:
        text = text[: text.index(begin)] + block + text[text.index(end) + len(end) :]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(text)


def ms_since(start: float) -> float:
    return (time.perf_counter() - start) * 1000


def interleaved_blocks(
    calls: Mapping[str, Callable[[], object]],
    rounds: int,
    block: int = 25,
    after_round: Callable[[], object] = lambda: None,
) -> dict[str, list[float]]:
    """Milliseconds per call of each series: `block` calls of one, then of the next, `rounds`
    times, so that noise from the shared machine falls on every series alike."""
    times: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(rounds):
        for name, call in calls.items():
            for _ in range(block):
                start = time.perf_counter()
                call()
                times[name].append(ms_since(start))
        after_round()
    return times
