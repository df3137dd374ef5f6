"""Bounded load test and soak: the real `revertrisk serve` against a real local MediaWiki.

Everything runs on loopback: Debian's MediaWiki 1.39 on SQLite served by `php -S` (the test
fixture history), a private redis-server, and the service in a subprocess as an operator starts
it. An open-loop asyncio driver sends a mix of single requests (cache hits, and misses forced
with `Cache-Control: no-cache`) and batches, for both models, from 32 simulated clients behind a
trusted proxy (X-Client-IP), so the per-client limit is active but not what is measured.

1. Steps: the rate rises step by step; a step "holds" when every request got its expected answer
   (200), nothing timed out, and the in-flight bound was never hit. The highest holding rate is
   the throughput held with zero errors.
2. Soak: --soak-fraction (70%) of that rate for --soak-s seconds (600 by default), because a
   short step that barely holds need not hold for ten minutes on a shared machine, while the
   server's resident memory is sampled every few seconds; memory is flat when the last minute's median is within 5% (and 25
   MiB) of the second minute's.

Prints the figures, with the load average, and writes them to --out. Bounded in every way:
fixed durations, at most --max-in-flight requests open, loopback only. Not part of `make test`;
run it with `make load` (or `python bench/load_test.py --soak-s 60` for a short check).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import statistics
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
from common import (
    LANGUAGE_AGNOSTIC,
    MULTILINGUAL,
    REPO,
    Summary,
    header,
    redis_server,
)

from revertrisk_devtools.local_wiki import running_local_wiki
from revertrisk_devtools.service_process import run_service

SCOREABLE = (
    "registered_edit",
    "anonymous_edit",
    "identity_revert",
    "bot_edit",
    "sysop_edit",
    "minor_edit",
    "cyrillic_edit",
    "arabic_edit",
)
# Served by both models; the local wiki answers whatever Host it is sent, so each language is a
# distinct cache key for the same fixture revision.
LANGS = ("en", "de", "fr", "es", "ru", "it", "ja", "nl", "pl", "ar")
CLIENTS = 32
BATCH_SIZE = 10
REQUEST_TIMEOUT_S = 30.0
# A step holds when nothing failed and the slowest 1% stayed under this (a backlog that grows
# shows up here first, because the driver keeps sending at the offered rate).
P99_SLO_MS = 5000.0
MAX_IN_FLIGHT_NOTE = "the driver's bound on open requests was reached: the server fell behind"


@dataclass
class Outcome:
    kind: str
    latency_ms: float
    ok: bool
    detail: str


@dataclass
class StepResult:
    rate: float
    duration_s: float
    outcomes: list[Outcome] = field(default_factory=list)
    overloaded: int = 0  # requests not sent because --max-in-flight were open

    @property
    def errors(self) -> int:
        return sum(not o.ok for o in self.outcomes) + self.overloaded

    @property
    def achieved_rate(self) -> float:
        return len(self.outcomes) / self.duration_s

    def summary(self, kind: str | None = None) -> Summary:
        return Summary.of([o.latency_ms for o in self.outcomes if kind in (None, o.kind)])


class Mix:
    """Which request to send next: 55% single hits, 20% single misses, 25% batches of 10."""

    def __init__(self, revs: list[int], seed: int) -> None:
        self.random = random.Random(seed)
        self.pairs = [(lang, rev) for lang in LANGS for rev in revs]

    def next(self) -> tuple[str, str, dict, dict[str, str]]:
        roll = self.random.random()
        model = MULTILINGUAL if self.random.random() < 0.2 else LANGUAGE_AGNOSTIC
        headers = {"X-Client-IP": f"10.0.0.{self.random.randrange(1, CLIENTS + 1)}"}
        if roll < 0.25:
            chosen = self.random.sample(self.pairs, BATCH_SIZE)
            if self.random.random() < 0.5:
                headers["Cache-Control"] = "no-cache"
            body = {"instances": [{"lang": lang, "rev_id": rev} for lang, rev in chosen]}
            return "batch", model, body, headers
        lang, rev = self.random.choice(self.pairs)
        if roll < 0.45:
            headers["Cache-Control"] = "no-cache"
            return "miss", model, {"lang": lang, "rev_id": rev}, headers
        return "hit", model, {"lang": lang, "rev_id": rev}, headers


async def send(
    client: httpx.AsyncClient, kind: str, model: str, body: dict, headers: dict
) -> Outcome:
    started = time.perf_counter()
    try:
        response = await client.post(f"/v1/models/{model}:predict", json=body, headers=headers)
    except httpx.HTTPError as exc:
        return Outcome(kind, (time.perf_counter() - started) * 1000, False, type(exc).__name__)
    latency = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        return Outcome(kind, latency, False, f"HTTP {response.status_code} {response.text[:120]}")
    payload = response.json()
    if kind == "batch" and payload.get("errors"):
        return Outcome(kind, latency, False, f"batch errors {payload['errors'][:1]}")
    return Outcome(kind, latency, True, "")


async def run_rate(
    client: httpx.AsyncClient, mix: Mix, rate: float, duration_s: float, max_in_flight: int
) -> StepResult:
    """Open loop: one request every 1/rate seconds whatever the answers' latency."""
    result = StepResult(rate, duration_s)
    in_flight: set[asyncio.Task[Outcome]] = set()
    started = time.perf_counter()
    n = 0
    while time.perf_counter() - started < duration_s:
        target = started + n / rate
        if target > time.perf_counter():
            await asyncio.sleep(target - time.perf_counter())
        n += 1
        if len(in_flight) >= max_in_flight:
            result.overloaded += 1
            continue
        task = asyncio.create_task(send(client, *mix.next()))
        in_flight.add(task)
        task.add_done_callback(in_flight.discard)
        task.add_done_callback(lambda t: result.outcomes.append(t.result()))
    if in_flight:
        await asyncio.wait(in_flight, timeout=REQUEST_TIMEOUT_S + 5)
    result.duration_s = time.perf_counter() - started
    return result


def holds(step: StepResult) -> bool:
    return step.errors == 0 and step.summary().p99 <= P99_SLO_MS


def _own_rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def rss_mib(pid: int) -> float:
    """Resident memory of the server and every process under it (the scoring workers)."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            total += _own_rss_kib(current)
            todo += _children(current)
        except (FileNotFoundError, ProcessLookupError):
            continue  # a worker that just exited
    return total / 1024


async def warm_up(client: httpx.AsyncClient, revs: list[int]) -> None:
    """Score every (lang, revision) once with each model so that 'hit' requests are hits."""
    for model in (LANGUAGE_AGNOSTIC, MULTILINGUAL):
        for lang in LANGS:
            body = {"instances": [{"lang": lang, "rev_id": rev} for rev in revs]}
            response = await client.post(f"/v1/models/{model}:predict", json=body)
            response.raise_for_status()
            errors = response.json()["errors"]
            if errors:
                raise SystemExit(f"warm-up: {model} could not score {errors[:2]}")


def describe(step: StepResult) -> str:
    kinds = Counter(o.kind for o in step.outcomes)
    return (
        f"rate {step.rate:5.1f}/s sent {len(step.outcomes)} ({dict(kinds)}) "
        f"achieved {step.achieved_rate:5.1f}/s errors {step.errors}  all: {step.summary().line()}"
    )


def error_sample(step: StepResult) -> str:
    details = Counter(o.detail for o in step.outcomes if not o.ok)
    if step.overloaded:
        details[f"not sent: {step.overloaded} over the in-flight bound"] += 1
    return "; ".join(f"{d} x{c}" for d, c in details.most_common(3))


async def drive(base_url: str, pid: int, args: argparse.Namespace, revs: list[int]) -> list[str]:
    lines: list[str] = []
    limits = httpx.Limits(max_connections=args.max_in_flight, max_keepalive_connections=64)
    async with httpx.AsyncClient(
        base_url=base_url, timeout=REQUEST_TIMEOUT_S, limits=limits
    ) as client:
        await warm_up(client, revs)
        header("steps")
        held: StepResult | None = None
        steps: list[StepResult] = []
        for rate in args.rates:
            mix = Mix(revs, seed=int(rate * 10))
            step = await run_rate(client, mix, rate, args.step_s, args.max_in_flight)
            steps.append(step)
            print(describe(step), flush=True)
            if step.errors:
                print(f"  errors: {error_sample(step)}", flush=True)
            if not holds(step):
                break
            held = step
        if held is None:
            raise SystemExit("not even the lowest rate held without errors")
        lines += [
            (
                f"Throughput held with zero errors: **{held.rate:.0f} requests/s offered, "
                f"{held.achieved_rate:.1f}/s answered** over send window and drain (a step "
                f"holds with 0 errors and p99 <= {P99_SLO_MS:.0f} ms; the step after it did not "
                "hold, or was the last)."
            ),
            "",
            "| offered (req/s) | answered (req/s) | requests | errors | p50 ms | p95 ms | p99 ms |",
            "| --- | --- | --- | --- | --- | --- | --- |",
        ]
        for step in steps:
            sm = step.summary()
            lines.append(
                f"| {step.rate:.0f} | {step.achieved_rate:.1f} | {len(step.outcomes)} | "
                f"{step.errors} | {sm.median:.1f} | {sm.p95:.1f} | {sm.p99:.1f} |"
            )

        soak_rate = max(1.0, round(held.rate * args.soak_fraction))
        header(f"soak: {soak_rate:.0f} requests/s for {args.soak_s:.0f} s")
        samples: list[tuple[float, float]] = []
        loads: list[float] = []

        async def sample_memory() -> None:
            begun = time.perf_counter()
            while True:
                samples.append((time.perf_counter() - begun, rss_mib(pid)))
                loads.append(os.getloadavg()[0])
                await asyncio.sleep(args.sample_s)

        sampler = asyncio.create_task(sample_memory())
        soak = await run_rate(
            client, Mix(revs, seed=7), soak_rate, args.soak_s, args.max_in_flight
        )
        sampler.cancel()
        print(describe(soak), flush=True)
        if soak.errors:
            print(f"  errors: {error_sample(soak)}", flush=True)
    lines += soak_report(soak, samples, loads)
    return lines


def soak_report(
    soak: StepResult, samples: list[tuple[float, float]], loads: list[float]
) -> list[str]:
    lines = [
        "",
        (
            f"Soak: {soak.rate:.0f} requests/s offered for {soak.duration_s:.0f} s, "
            f"{len(soak.outcomes)} answered, **{soak.errors} errors** "
            f"({soak.errors - soak.overloaded} failed answers, {soak.overloaded} requests not "
            f"sent because {MAX_IN_FLIGHT_NOTE})."
        ),
        "",
    ]
    lines.append("| requests | n | p50 ms | p95 ms | p99 ms |")
    lines.append("| --- | --- | --- | --- | --- |")
    for kind in (None, "hit", "miss", "batch"):
        s = soak.summary(kind)
        lines.append(f"| {kind or 'all'} | {s.n} | {s.median:.1f} | {s.p95:.1f} | {s.p99:.1f} |")
    if soak.errors:
        lines.append(f"\nErrors: {error_sample(soak)}")
    minute = [m for t, m in samples if 60 <= t < 120] or [m for _, m in samples[:3]]
    last = [m for t, m in samples if t >= samples[-1][0] - 60]
    start_mib, end_mib = statistics.median(minute), statistics.median(last)
    growth = end_mib - start_mib
    flat = growth <= max(0.05 * start_mib, 25.0)
    times = [t for t, _ in samples]
    rss = [m for _, m in samples]
    slope = statistics.linear_regression(times, rss).slope * 60 if len(samples) > 2 else 0.0
    lines += [
        "",
        (
            f"Server resident memory (with its worker processes): {samples[0][1]:.0f} MiB at the start of the soak, "
            f"median {start_mib:.0f} MiB in its second minute, {end_mib:.0f} MiB in its last "
            f"minute, peak {max(m for _, m in samples):.0f} MiB; growth {growth:+.1f} MiB "
            f"(trend {slope:+.2f} MiB/min over {len(samples)} samples): "
            f"**{'flat' if flat else 'NOT flat'}**."
        ),
        "",
        (
            f"Load average (1 min) during the soak: median {statistics.median(loads):.2f}, "
            f"max {max(loads):.2f} on {os.cpu_count()} CPUs."
        ),
    ]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rates", type=float, nargs="+", default=[5, 10, 20, 30, 45, 60, 80])
    parser.add_argument("--step-s", type=float, default=30.0)
    parser.add_argument("--soak-fraction", type=float, default=0.7)
    parser.add_argument("--soak-s", type=float, default=600.0)
    parser.add_argument("--sample-s", type=float, default=5.0)
    parser.add_argument("--max-in-flight", type=int, default=64)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "LOAD_RESULTS.md")
    args = parser.parse_args()

    started = datetime.now(UTC)
    load_before = os.getloadavg()
    with (
        tempfile.TemporaryDirectory(prefix="load-wiki-") as wiki_dir,
        tempfile.TemporaryDirectory(prefix="load-logs-") as log_dir,
        running_local_wiki(Path(wiki_dir)) as wiki,
        redis_server() as redis,
    ):
        env = {
            "WIKI_URL": wiki.base_url,
            "MODELS": f"{LANGUAGE_AGNOSTIC},{MULTILINGUAL}",
            "REDIS_URL": redis.url,
            "LOG_LEVEL": "WARNING",
            "TRUSTED_PROXIES": "127.0.0.1",
            "USER_AGENT": "revertrisk-service load test (loopback only)",
        }
        revs = [wiki.revs[k] for k in SCOREABLE]
        with run_service(env, Path(log_dir)) as service:
            lines = asyncio.run(drive(service.base_url, service.process.pid, args, revs))
            server_log = service.log()
    tracebacks = server_log.count("Traceback")
    text = "\n".join(
        [
            "# Load test and soak",
            "",
            (
                f"`python bench/load_test.py` ({started:%Y-%m-%d %H:%M} UTC; machine: "
                f"{platform.machine()}, {os.cpu_count()} CPUs shared with other work, load "
                f"average before the run {load_before[0]:.2f}). Real `revertrisk serve` (both "
                "models, Redis cache) against Debian's MediaWiki 1.39 under `php -S` (4 "
                "workers), all on loopback; mix: 55% single cache hits, 20% single misses "
                "(`Cache-Control: no-cache`), 25% batches of 10 (half of them forced misses); "
                "20% of requests to the multilingual model; 32 clients behind a trusted proxy."
            ),
            "",
            *lines,
            f"Tracebacks in the server log: {tracebacks}.",
            "",
        ]
    )
    print("\n" + text)
    args.out.write_text(text)


if __name__ == "__main__":
    main()
