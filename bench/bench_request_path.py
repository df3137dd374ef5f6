"""The request-path goals, against the bench's fake wiki AND a real local MediaWiki.

    .venv/bin/python bench/bench_request_path.py [--samples N] [--profile DIR]

- a cache hit at most 1.0x a no-op KServe model (bench/noop_model.py);
- a language-agnostic miss on a 20 KB article at most 1.3x the MediaWiki calls it needs (the
  same calls made by the service's own client, on an article of the same size).

Both as ratios of medians measured in one run, interleaved so that the shared machine's noise
falls on both series alike, with the load average. The results replace the "request path"
section of bench/RESULTS.md. `--profile DIR` writes pyinstrument profiles of the serving
process's event loop (hits, then misses; bench/profiled_serve.py) and of the scoring call in
process (facts and scoring of the misses); the figures of a profiled run carry the profiler's
cost, so measure without it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
from bench_goals import fmt_load, machine, noop_server, predict_path, timed_misses
from common import (
    LANGUAGE_AGNOSTIC,
    REPO,
    Summary,
    fake_wiki,
    header,
    interleaved_blocks,
    redis_server,
    replace_section,
    service_env,
)

from revertrisk_devtools.article_wiki import REV_20KB, ArticleWiki, article, edited
from revertrisk_devtools.local_wiki import import_pages, running_local_wiki
from revertrisk_devtools.ports import free_port
from revertrisk_devtools.service_process import RunningService, run_service, stop_process
from revertrisk_service.mediawiki.client import MediaWikiClient
from revertrisk_service.wikis import resolve_lang

HIT_BOUND = 1.0
MISS_BOUND = 1.3
EN = resolve_lang("en")


@dataclass
class Measured:
    wiki: str
    hit: Summary
    noop: Summary
    miss: Summary
    fetch: Summary
    load: tuple[float, float, float]
    # Mean milliseconds per miss of each stage, from the service's own stage histograms.
    stages: dict[str, float]


# -- servers ------------------------------------------------------------------------------------


@contextmanager
def served(redis_url: str, wiki_url: str, profile: Path | None) -> Iterator[RunningService]:
    """`revertrisk serve` with the language-agnostic model; with `profile` (a path prefix),
    through bench/profiled_serve.py, which profiles between SIGUSR2 and SIGUSR1."""
    env = service_env(LANGUAGE_AGNOSTIC, redis_url, wiki_url)
    with tempfile.TemporaryDirectory() as logs:
        if profile is None:
            with run_service(env, Path(logs)) as service:
                yield service
            return
        port = free_port()
        log = (Path(logs) / "serve.log").open("wb")
        process = subprocess.Popen(
            [sys.executable, str(REPO / "bench" / "profiled_serve.py")],
            env={**os.environ, **env, "HTTP_PORT": str(port), "PROFILE_PREFIX": str(profile)},
            cwd=REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        service = RunningService(f"http://127.0.0.1:{port}", process, Path(logs) / "serve.log")
        try:
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline:
                try:
                    url = f"{service.base_url}/v1/models/{LANGUAGE_AGNOSTIC}"
                    if httpx.get(url, timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.3)
            yield service
        finally:
            stop_process(process)
            log.close()


@contextmanager
def profiling(service: RunningService, report: Path | None) -> Iterator[None]:
    """One profile of what runs inside, written to `report` (a profiled_serve.py server)."""
    if report is not None:
        service.process.send_signal(signal.SIGUSR2)
        time.sleep(0.2)
    try:
        yield
    finally:
        if report is not None:
            service.process.send_signal(signal.SIGUSR1)
            deadline = time.monotonic() + 60  # the server renders it, on a busy machine
            while not report.exists() and time.monotonic() < deadline:
                time.sleep(0.2)


# -- measurements -------------------------------------------------------------------------------


def hits(base_url: str, noop_url: str, rounds: int) -> tuple[Summary, Summary]:
    body = {"lang": "en", "rev_id": REV_20KB - 10}
    with (
        httpx.Client(base_url=base_url, timeout=30) as client,
        httpx.Client(base_url=noop_url, timeout=30) as noop,
    ):

        def hit() -> None:
            answer = client.post(predict_path(LANGUAGE_AGNOSTIC), json=body)
            assert answer.headers.get("x-cache") == "hit", answer.headers

        def floor() -> None:
            noop.post(predict_path("noop"), json=body).raise_for_status()

        client.post(predict_path(LANGUAGE_AGNOSTIC), json=body).raise_for_status()
        for _ in range(50):  # warm: connections, code paths
            hit()
            floor()
        times = interleaved_blocks({"hit": hit, "noop": floor}, rounds)
    return Summary.of(times["hit"]), Summary.of(times["noop"])


def fake_pairs(wiki: ArticleWiki, count: int) -> list[tuple[int, int]]:
    pairs = [(REV_20KB + 4 * i, REV_20KB + 4 * i + 2_000_000) for i in range(count + 1)]
    for scored, fetched in pairs:  # generated once, outside the timings
        for rev in (scored, scored - 1, fetched, fetched - 1):
            wiki.text_of(rev)
    return pairs


def local_pairs(local, count: int) -> list[tuple[int, int]]:
    """20 KB articles (the fake wiki's own generator) imported into the real MediaWiki, each
    with one typical edit."""
    pages = {}
    first_page = ArticleWiki.page_of(REV_20KB) + 100_000  # pages the fake wiki never serves
    for i in range(2 * (count + 1)):
        text = article(first_page + i)
        pages[f"Bench article {i}"] = [text, edited(text, REV_20KB + i)]
    ids = import_pages(local, pages, local.users["registered"])
    edits = [ids[title][-1] for title in pages]
    return list(zip(edits[0::2], edits[1::2], strict=True))


def measure(
    name: str,
    redis_url: str,
    wiki_url: str,
    noop_url: str,
    pairs,
    rounds: int,
    profile_dir: Path | None,
) -> Measured:
    header(f"{name}: cache hit vs no-op; 20 KB language-agnostic miss vs its MediaWiki calls")
    profile = profile_dir / f"serve-{name.split()[0]}" if profile_dir else None
    with served(redis_url, wiki_url, profile) as service:
        # Profiles: <prefix>-1.txt the hits, <prefix>-2.txt the misses.
        with profiling(service, profile and Path(f"{profile}-1.txt")):
            hit, noop = hits(service.base_url, noop_url, rounds)
        before = stage_seconds(service.base_url)
        with profiling(service, profile and Path(f"{profile}-2.txt")):
            miss_ms, fetch_ms = asyncio.run(
                timed_misses(service.base_url, wiki_url, pairs[1:], pairs[0][1])
            )
        after = stage_seconds(service.base_url)
        miss, fetch = Summary.of(miss_ms), Summary.of(fetch_ms)
    stages = {k: (after[k] - before.get(k, 0.0)) * 1000 / len(miss_ms) for k in after}
    result = Measured(name, hit, noop, miss, fetch, os.getloadavg(), stages)
    print(f"hit   {hit.line()}\nno-op {noop.line()}\nmiss  {miss.line()}\nfetch {fetch.line()}")
    print(
        f"hit/no-op {hit.median / noop.median:.2f}x; miss/fetch {miss.median / fetch.median:.2f}x"
        f"; load {fmt_load(result.load)}"
    )
    return result


def stage_seconds(base_url: str) -> dict[str, float]:
    """The service's revertrisk_stage_duration_seconds sums, per stage (one model served)."""
    metrics = httpx.get(f"{base_url}/metrics", timeout=30).text
    found = re.findall(
        r'^revertrisk_stage_duration_seconds_sum\{model="[^"]*",stage="([^"]+)"\} (\S+)$',
        metrics,
        re.MULTILINE,
    )
    return {stage: float(seconds) for stage, seconds in found}


def profile_scoring(wiki_url: str, revs: Sequence[int], out: Path) -> None:
    """The scoring processes' part of a miss, in process: facts and the model, per edit."""
    from pyinstrument import Profiler

    from revertrisk_service.config import Settings
    from revertrisk_service.models.registry import load_scorer
    from revertrisk_service.scoring.edit_scoring import score_edits

    async def fetch() -> list:
        async with MediaWikiClient(wiki_url=wiki_url, user_agent="revertrisk bench") as wiki:
            return await wiki.fetch_edits([(EN, r) for r in revs])

    contexts = asyncio.run(fetch())
    scorer = load_scorer(LANGUAGE_AGNOSTIC, Settings())
    score_edits(contexts[:1], [scorer])
    profiler = Profiler(interval=0.0002)
    with profiler:
        for context in contexts:
            score_edits([context], [scorer])
    out.write_text(profiler.output_text(show_all=False))
    print(f"scoring profile: {out}")


# -- report -------------------------------------------------------------------------------------


def report(results: Sequence[Measured], started: datetime, loads, rounds: int, count: int) -> str:
    info = machine()
    lines = [
        "## Request path: `bench/bench_request_path.py`",
        "",
        (
            f"Run on {started:%Y-%m-%d %H:%M} UTC, commit {info['commit']}, "
            f"{info['CPUs usable (affinity, cgroup quota)']}. Load average (1/5/15 min) at the start "
            f"{fmt_load(loads[0])}, at the end {fmt_load(loads[1])}: other sessions share these "
            "CPUs, so compare the ratios, not the absolute figures."
        ),
        (
            f"Hits: {rounds} interleaved blocks of 25 (hit, then no-op), one keep-alive connection "
            "each, the score in the replica's local copy (Redis behind it). Misses: "
            f"{count} distinct 20 KB articles, each with a typical edit, alternating with the same "
            "calls by the service's MediaWiki client on another article of the same size."
        ),
        "",
        (
            "| MediaWiki | cache hit (median / p95 ms) | no-op model | hit ratio (goal <= "
            f"{HIT_BOUND:g}x) | 20 KB LA miss (median / p95 ms) | its MediaWiki calls | miss ratio "
            f"(goal <= {MISS_BOUND:g}x) | a miss in the service: fetch / signals / model (mean ms) "
            "| load (1/5/15) |"
        ),
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in results:
        hit_ratio = r.hit.median / r.noop.median
        miss_ratio = r.miss.median / r.fetch.median
        lines.append(
            f"| {r.wiki} | {r.hit.median:.2f} / {r.hit.p95:.2f} | {r.noop.median:.2f} / "
            f"{r.noop.p95:.2f} | {hit_ratio:.2f}x {'met' if hit_ratio <= HIT_BOUND else 'NOT met'}"
            f" | {r.miss.median:.1f} / {r.miss.p95:.1f} | {r.fetch.median:.1f} / {r.fetch.p95:.1f}"
            f" | {miss_ratio:.2f}x {'met' if miss_ratio <= MISS_BOUND else 'NOT met'} "
            f"| {r.stages.get('mediawiki_fetch', 0):.1f} / {r.stages.get('edit_facts', 0):.1f} / "
            f"{r.stages.get('inference', 0):.1f} | {fmt_load(r.load)} |"
        )
    return "\n".join(lines) + "\n"


SECTION_NAME = "bench_request_path.py"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=30, help="misses per wiki")
    parser.add_argument("--rounds", type=int, default=12, help="blocks of 25 hits")
    parser.add_argument("--profile", type=Path, help="write pyinstrument profiles here")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "RESULTS.md")
    parser.add_argument("--notes", type=Path, help="a Markdown file appended to the section")
    args = parser.parse_args()
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
    started, load_start = datetime.now(UTC), os.getloadavg()
    results = []
    with (
        redis_server() as redis_srv,
        fake_wiki() as fake,
        noop_server() as noop_url,
        tempfile.TemporaryDirectory(prefix="bench-local-wiki-") as workdir,
        running_local_wiki(Path(workdir)) as local,
    ):
        pairs = fake_pairs(fake.wiki, args.samples)
        results.append(
            measure(
                "fake wiki (loopback, answers at once)",
                redis_srv.url,
                fake.url,
                noop_url,
                pairs,
                args.rounds,
                args.profile,
            )
        )
        pairs = local_pairs(local, args.samples)
        results.append(
            measure(
                "local MediaWiki (Debian's, php on loopback)",
                redis_srv.url,
                local.base_url,
                noop_url,
                pairs,
                args.rounds,
                args.profile,
            )
        )
        if args.profile:
            profile_scoring(
                local.base_url, [p[0] for p in pairs[:10]], args.profile / "scoring-local.txt"
            )
    text = report(results, started, (load_start, os.getloadavg()), args.rounds, args.samples)
    notes = args.notes.read_text() if args.notes else ""
    # The shared marked-block writer: bench_goals.py's rewrite keeps the block.
    replace_section(args.out, SECTION_NAME, (text + notes).rstrip("\n").split("\n"))
    print(text)


if __name__ == "__main__":
    main()
