"""Benchmark of precaching throughput: scored edits per second, per model, on this machine.

Prints figures; not a test. For each model, the real `revertrisk precache` (in-process scoring
into a private Redis, default concurrency 4 and batches of up to 10) reads a replayed
page_change stream whose events are all already waiting (a backlog), so it runs flat out; the
edits are distinct revisions of 5-20 KB articles served by a loopback fake wiki
(revertrisk_devtools/article_wiki.py). The rate is compared with Wikimedia's global edit
rate, about 16 edits/s across all wikis.

    .venv/bin/python bench/bench_precache.py [--events 1500] [--seconds 45]
        [--wiki-latency-ms 80] [--concurrency 8] [--skip-multilingual]

By default MediaWiki answers at once, so the figure is the machine's CPU capacity; with
--wiki-latency-ms the API round trips (and the client's cap of 8 concurrent API calls) count.
"""

from __future__ import annotations

import argparse
import os
import time
from contextlib import ExitStack
from dataclasses import dataclass

from common import (
    LANGS,
    LANGUAGE_AGNOSTIC,
    MULTILINGUAL,
    PrecacheProcess,
    fake_wiki,
    header,
    page_change,
    precaching,
    redis_server,
)

from revertrisk_devtools.flaky_api import Step
from revertrisk_devtools.sse_server import SSEServer, running_sse_server
from revertrisk_service.cpus import available_cpus
from revertrisk_service.training.progress import progress_bar

GLOBAL_EDITS_PER_S = 16.0
POLL_S = 0.25


@dataclass
class Progress:
    """(seconds since the stream connected, edits handled, CPU seconds of the precacher)."""

    points: list[tuple[float, float, float]]

    def rate_between(self, low: float, high: float) -> tuple[float, float] | None:
        """Edits/s and CPU-seconds per edit between the first points at/after low and high."""
        first = next((p for p in self.points if p[1] >= low), None)
        last = next((p for p in self.points if p[1] >= high), self.points[-1])
        if first is None or last[0] <= first[0] or last[1] <= first[1]:
            return None
        edits = last[1] - first[1]
        return edits / (last[0] - first[0]), (last[2] - first[2]) / edits


def wait_for_stream_client_count(
    sse: SSEServer, process: PrecacheProcess, clients: int, timeout_s: float
) -> bool:
    """True once `clients` stream connections were made and this process is alive."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.process.poll() is not None:
            return False
        if len(sse.state.requests) >= clients:
            return True
        time.sleep(0.05)
    return False


HANDLED = (
    "revertrisk_precache_scored_total",
    "revertrisk_precache_errors_total",
    "revertrisk_precache_events_dropped_total",
    "revertrisk_precache_events_filtered_total",
    "revertrisk_precache_events_invalid_total",
)


def watch(processes: list[PrecacheProcess], total: int, limit_s: float) -> tuple[Progress, dict]:
    """Polls every process until each has handled `total` events (scored, failed, dropped,
    filtered out, invalid); the progress counts scored edits, summed over the processes."""
    start = time.monotonic()
    cpu0 = sum(p.cpu_seconds() for p in processes)
    points = [(0.0, 0.0, 0.0)]
    latest: list[dict] = [{} for _ in processes]
    with progress_bar("scored edits", total) as step:
        while time.monotonic() - start < limit_s and all(
            p.process.poll() is None for p in processes
        ):
            time.sleep(POLL_S)
            latest = [p.metrics() or old for p, old in zip(processes, latest, strict=True)]
            handled = [sum(v for k, v in m.items() if k.startswith(HANDLED)) for m in latest]
            scored = sum(m.get("revertrisk_precache_scored_total", 0.0) for m in latest)
            cpu = sum(p.cpu_seconds() for p in processes) - cpu0
            step(advance=scored - points[-1][1])
            points.append((time.monotonic() - start, scored, cpu))
            if all(h >= total for h in handled):
                break
    summed: dict = {}
    for m in latest:
        for k, v in m.items():
            summed[k] = summed.get(k, 0.0) + v
    return Progress(points), summed


@dataclass(frozen=True)
class PrecacheRate:
    model: str
    edits_per_s: float | None
    cpu_ms_per_edit: float | None
    scored: float
    errors: float


def bench_model(
    model: str,
    redis_url: str,
    events: int,
    limit_s: float,
    latency_ms: float,
    concurrency: int,
    shards: int = 1,
    first_rev: int = 1_000_001,
) -> PrecacheRate:
    """Distinct revisions from `first_rev` on: runs sharing a Redis must not share revisions,
    or the later ones find them scored already."""
    header(
        f"{model}: {events} backlogged edits, at most {limit_s:g} s, "
        f"MediaWiki latency {latency_ms:g} ms per call, --concurrency {concurrency}, "
        f"{shards} process{'es' if shards > 1 else ''}"
    )
    with fake_wiki() as wiki, running_sse_server() as sse:
        wiki.fallback = Step(delay_s=latency_ms / 1000) if latency_ms > 0 else None
        for i in range(events):
            sse.add_event(page_change(first_rev + 2 * i, LANGS[i % len(LANGS)]))
        loading = time.monotonic()
        with ExitStack() as stack:
            # Shards share the CPUs: each gets its part of the scoring processes.
            extra = {"SCORING_PROCESSES": str(max(1, available_cpus() // shards))}
            processes = [
                stack.enter_context(
                    precaching(
                        model,
                        redis_url,
                        wiki.url,
                        sse.url,
                        queue_size=events + 10,
                        concurrency=concurrency,
                        shard=f"{i}/{shards}" if shards > 1 else None,
                        extra_env=extra if shards > 1 else None,
                    )
                )
                for i in range(shards)
            ]
            for process in processes:
                if not wait_for_stream_client_count(sse, process, len(processes), 180):
                    print(f"SKIPPED: `revertrisk precache` with {model} did not start. Log tail:")
                    print("    " + process.log_tail(1500).replace("\n", "\n    "))
                    return PrecacheRate(model, None, None, 0, 0)
            print(f"model loaded and stream connected after {time.monotonic() - loading:.1f} s")
            wiki_seconds = wiki.wiki.answer_seconds
            progress, metrics = watch(processes, events, limit_s)
            wiki_seconds = wiki.wiki.answer_seconds - wiki_seconds
    scored = metrics.get("revertrisk_precache_scored_total", 0.0)
    errors = metrics.get("revertrisk_precache_errors_total", 0.0)
    dropped = metrics.get("revertrisk_precache_events_dropped_total", 0.0)
    elapsed, handled, _ = progress.points[-1]
    handled = scored + errors + dropped
    filtered = sum(v for k, v in metrics.items() if "precache_events_filtered_total" in k)
    print(
        f"scored {scored:.0f}, errors {errors:.0f}, dropped {dropped:.0f}, filtered {filtered:.0f} "
        f"in {elapsed:.1f} s "
        f"({'all handled' if handled >= events else 'stopped at the time limit'})"
    )
    overall = scored / elapsed if elapsed else 0.0
    print(f"overall: {overall:.1f} scored edits/s (from stream connection, warm-up included)")
    steady = progress.rate_between(0.1 * scored, 0.9 * scored)
    if steady is None:
        print("steady state: too few points to measure")
        return PrecacheRate(model, None, None, scored, errors)
    rate, cpu_per_edit = steady
    print(
        f"steady state (10%-90% of handled edits): {rate:.1f} edits/s; precacher CPU "
        f"{cpu_per_edit * 1000:.0f} ms per edit, i.e. {1 / cpu_per_edit:.1f} edits/s per busy core"
    )
    print(
        f"fake wiki text generation in this process: {wiki_seconds / max(handled, 1) * 1000:.1f} ms "
        f"per edit (competes for the same {len(os.sched_getaffinity(0))} CPUs)"
    )
    verdict = "keeps up with" if rate >= GLOBAL_EDITS_PER_S else "does NOT keep up with"
    print(
        f"=> {verdict} the global edit rate of ~{GLOBAL_EDITS_PER_S:g} edits/s "
        f"({rate / GLOBAL_EDITS_PER_S:.2f}x) on this machine"
    )
    return PrecacheRate(model, rate, cpu_per_edit * 1000, scored, errors)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1500, help="edits for the cheap model")
    parser.add_argument("--seconds", type=float, default=45.0, help="time limit per model")
    parser.add_argument(
        "--multilingual-events", type=int, default=800, help="edits for the multilingual model"
    )
    parser.add_argument(
        "--wiki-latency-ms",
        type=float,
        default=0.0,
        help="delay every MediaWiki call (e.g. 80 for a remote wiki); 0 measures CPU capacity",
    )
    parser.add_argument("--concurrency", type=int, default=4, help="precache workers")
    parser.add_argument(
        "--shards", type=int, default=1, help="precache processes, each with --shard i/N"
    )
    parser.add_argument("--skip-multilingual", action="store_true")
    args = parser.parse_args()
    started = time.monotonic()
    print(
        "Each edit: 1 revisions query for a batch of up to 10 edits, then parents, users and "
        "page creations (loopback, Nagle off); the score is written to Redis."
    )
    with redis_server() as redis_srv:
        for model, events in (
            (LANGUAGE_AGNOSTIC, args.events),
            (MULTILINGUAL, 0 if args.skip_multilingual else args.multilingual_events),
        ):
            if not events:
                continue
            bench_model(
                model,
                redis_srv.url,
                events,
                args.seconds,
                args.wiki_latency_ms,
                args.concurrency,
                args.shards,
            )
    print(f"\n(total {time.monotonic() - started:.0f} s on {len(os.sched_getaffinity(0))} CPUs)")


if __name__ == "__main__":
    main()
