"""Benchmark of outcome tracking: CPU and memory at Wikimedia's global edit rate (~16 edits/s)
and at ten times that, against a baseline measured in the same run.

Prints figures; not a test. Each phase paces revision-create events (a 40-byte sha1, a page drawn
with a skewed popularity over --pages pages, ~6% identity reverts of which half are named in
rev_revert_details, ~2% partial undos named by the event only) at a fixed rate for --seconds.
The tracked phases feed each event to the precacher's stream observer (the revert detector, its
writes and its sweeps) and its score to the score recorder (as the server's scoring path does),
all against a real SQLite file, or --database-url. The baseline phase at the same rate only
parses each event, so the difference is what tracking costs. Windows are --window-s long (short,
so that sweeps decide edits during the run, as they do all day in production).

    .venv/bin/python bench/bench_outcomes.py [--seconds 20] [--pages 50000] [--max-pages 10000]
        [--window-s 10] [--database-url sqlite:///PATH]

Reported per phase: events/s achieved, CPU cores used (process CPU seconds / wall seconds), CPU
milliseconds per event, how long the stream waits per event (observe), how long the once-a-second
flush before a commit takes (every queued revision processed and written), resident memory
before and after and its peak, the detector's pages in memory, the outcomes in the database, and
the load average.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import random
import resource
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from common import Summary, header

from revertrisk_service.outcomes.detector import RevertDetector
from revertrisk_service.outcomes.recorder import ScoreRecorder
from revertrisk_service.outcomes.sql_store import SqlOutcomeStore
from revertrisk_service.outcomes.stream_observer import StreamObserver
from revertrisk_service.scored_edits import ScoredEdit
from revertrisk_service.training.progress import progress_bar
from revertrisk_service.wikis import wiki_by_dbname

GLOBAL_EDITS_PER_S = 16.0
ENWIKI = wiki_by_dbname("enwiki")


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class EditStream:
    """Synthetic revision-create events: page histories with reverts, as the stream has them."""

    def __init__(self, pages: int, seed: int = 7) -> None:
        self.random = random.Random(seed)
        self.pages = pages
        self.history: dict[int, list[tuple[int, str]]] = {}  # page -> [(rev_id, sha1)], recent
        self.rev_id = 10_000_000

    def _page(self) -> int:
        # Skewed: low page ids are edited often, most pages rarely.
        return int(self.pages * self.random.random() ** 3) + 1

    def next(self) -> tuple[str, ScoredEdit]:
        self.rev_id += 1
        page = self._page()
        past = self.history.setdefault(page, [])
        draw = self.random.random()
        reverted: list[int] = []
        if past and len(past) >= 2 and draw < 0.06:
            back = self.random.randint(1, min(3, len(past) - 1))
            sha1 = past[-1 - back][1]  # restores an earlier state: identity revert
            if draw < 0.03:
                reverted = [rev for rev, _ in past[-back:]]
        elif past and draw < 0.08:
            sha1 = hashlib.sha1(f"partial {self.rev_id}".encode()).hexdigest()
            reverted = [past[-1][0]]  # a partial undo: only the event says so
        else:
            sha1 = hashlib.sha1(f"text {self.rev_id}".encode()).hexdigest()
        past.append((self.rev_id, sha1))
        del past[:-16]
        now = datetime.now(UTC)
        anonymous = self.random.random() < 0.3
        user = "192.0.2.1" if anonymous else "Editor"
        event = {
            "$schema": "/mediawiki/revision/create/2.0.0",
            "meta": {"stream": "mediawiki.revision-create", "dt": now.isoformat()},
            "database": "enwiki", "page_id": page, "page_namespace": 0,
            "rev_id": self.rev_id, "rev_parent_id": self.rev_id - 1, "rev_sha1": sha1,
            "rev_timestamp": now.isoformat(), "performer": {"user_text": user},
            "rev_is_revert": bool(reverted),
        }
        if reverted:
            event["rev_revert_details"] = {"rev_reverted_revs": reverted}
        scored = ScoredEdit(
            model_name="revertrisk-language-agnostic", model_version="bench", wiki=ENWIKI,
            rev_id=self.rev_id, parent_id=self.rev_id - 1, page_id=page, page_title="P",
            namespace=0, user_text=user, user_id=0 if anonymous else 1,
            is_anonymous=anonymous, is_temporary=False, is_bot=False, rev_timestamp=now,
            probability=self.random.random(), prediction=False, origin="precache",
            scored_at=now,
        )
        return json.dumps(event), scored


@dataclass
class Phase:
    name: str
    rate: float
    events: int
    wall_s: float
    cpu_s: float
    latencies_ms: list[float]
    flushes_ms: list[float]
    rss_before: float
    rss_after: float
    pages_in_memory: int | None
    decided: int | None
    load: tuple[float, float, float]

    def report(self) -> None:
        cores = self.cpu_s / self.wall_s
        print(f"{self.name}: {self.events / self.wall_s:.1f} events/s of {self.rate:g} asked; "
              f"CPU {cores:.3f} cores ({1000 * self.cpu_s / self.events:.3f} ms/event); "
              f"observe {Summary.of(self.latencies_ms).line()}", flush=True)
        if self.flushes_ms:
            print(f"  flush {Summary.of(self.flushes_ms).line()}", flush=True)
        extra = (f"; pages in memory {self.pages_in_memory}, outcomes in the database {self.decided}"
                 if self.pages_in_memory is not None else "")
        print(f"  RSS {self.rss_before:.1f} -> {self.rss_after:.1f} MiB (peak so far "
              f"{peak_rss_mib():.1f}){extra}; load average "
              f"{' / '.join(f'{x:.2f}' for x in self.load)}", flush=True)


async def run_phase(name: str, rate: float, seconds: float, stream: EditStream,
                    tracking: tuple[StreamObserver, ScoreRecorder] | None) -> Phase:
    total = int(rate * seconds)
    latencies, flushes = [], []
    rss_before = rss_mib()
    start_wall, start_cpu = time.monotonic(), time.process_time()

    async def commit_every_second(observer: StreamObserver) -> None:
        # What the precacher's commit task does, beside the stream loop: flush, then commit.
        while True:
            await asyncio.sleep(1.0)
            began = time.perf_counter()
            await observer.flush()
            flushes.append(1000 * (time.perf_counter() - began))

    committing = (asyncio.create_task(commit_every_second(tracking[0]))
                  if tracking is not None else None)
    with progress_bar(name, total) as step:
        for i in range(total):
            target = start_wall + i / rate
            delay = target - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            data, scored = stream.next()
            began = time.perf_counter()
            if tracking is None:
                json.loads(data)
            else:
                observer, recorder = tracking
                await observer.observe(data)
                recorder.offer(scored)
            latencies.append(1000 * (time.perf_counter() - began))
            step()
    if committing is not None:
        committing.cancel()
        await asyncio.gather(committing, return_exceptions=True)
    if tracking is not None:
        await tracking[0].flush()
        tracking[1].wait_idle(30)
    wall, cpu = time.monotonic() - start_wall, time.process_time() - start_cpu
    detector = tracking[0].detector if tracking else None
    decided = None
    if detector is not None:
        await detector.sweep()
        with detector.store.engine.connect() as connection:
            decided = int(connection.exec_driver_sql(
                "SELECT count(*) FROM edit_outcomes").scalar_one())
    return Phase(name, rate, total, wall, cpu, latencies, flushes, rss_before, rss_mib(),
                 detector.pages_in_memory if detector else None, decided, os.getloadavg())


async def main(args: argparse.Namespace) -> None:
    header(f"Outcome tracking, {args.seconds:g} s per phase, {args.pages} pages, at most "
           f"{args.max_pages} in memory, window {args.window_s:g} s "
           f"(load average {os.getloadavg()})")
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'outcomes.sqlite3'}"
        results = []
        for multiple in (1, 10):
            rate = GLOBAL_EDITS_PER_S * multiple
            stream = EditStream(args.pages, seed=multiple)
            results.append(await run_phase(f"baseline (parse only) x{multiple}", rate,
                                           args.seconds, stream, None))
            results[-1].report()
            store = SqlOutcomeStore.from_url(url, 5)
            detector = RevertDetector(store, window=timedelta(seconds=args.window_s),
                                      max_pages=args.max_pages)
            observer = StreamObserver(detector, sweep_interval_s=args.sweep_s)
            recorder = ScoreRecorder(SqlOutcomeStore.from_url(url, 5))
            store.versions("warm-up")  # the schema is brought up before the clock starts
            try:
                results.append(await run_phase(f"outcome tracking x{multiple}", rate,
                                               args.seconds, stream, (observer, recorder)))
            finally:
                await observer.aclose()
                recorder.close()
                store.close()
            results[-1].report()
        header("Summary (CPU cores used by tracking = tracked phase minus baseline)")
        for base, tracked in zip(results[::2], results[1::2], strict=True):
            extra = (tracked.cpu_s / tracked.wall_s) - (base.cpu_s / base.wall_s)
            print(f"{tracked.rate:g} edits/s: +{extra:.3f} cores, "
                  f"{1000 * (tracked.cpu_s - base.cpu_s) / tracked.events:.3f} ms CPU per edit; "
                  f"observe p99 {Summary.of(tracked.latencies_ms).p99:.2f} ms, flush p99 "
                  f"{Summary.of(tracked.flushes_ms).p99:.1f} ms; "
                  f"RSS {tracked.rss_after:.1f} MiB", flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--pages", type=int, default=50_000)
    parser.add_argument("--max-pages", type=int, default=10_000)
    parser.add_argument("--window-s", type=float, default=10.0)
    parser.add_argument("--sweep-s", type=float, default=2.0)
    parser.add_argument("--database-url", default=None)
    asyncio.run(main(parser.parse_args()))
    sys.exit(0)
