"""The cost of an explanation: per cache miss and per batch of 20, for both models,
against the same requests without one, measured in the same run; plus the compute alone, in
process. Writes its section of bench/RESULTS.md (goal: at most 10% of a miss's time).

    .venv/bin/python bench/bench_explain.py [--quick] [--out bench/RESULTS.md]

Servers, all on loopback: a private redis-server, the fake wiki with 20 KB articles
(revertrisk_devtools/article_wiki.py) answering after 80 ms per call as in the miss goal of
bench_goals.py, and once at once (the worst case for the ratio), and the real `revertrisk serve`
with both models and its scoring processes.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
from common import (
    LANGUAGE_AGNOSTIC,
    MULTILINGUAL,
    REPO,
    Summary,
    fake_wiki,
    header,
    redis_server,
    replace_section,
    serving,
)

from revertrisk_devtools.article_wiki import REV_20KB
from revertrisk_devtools.flaky_api import Step
from revertrisk_service.config import Settings
from revertrisk_service.training.progress import progress_bar

LATENCY_S = 0.080
GOAL = 0.10
MODELS = (LANGUAGE_AGNOSTIC, MULTILINGUAL)


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f}"


class Revisions:
    """Distinct 20 KB edits, generated before they are timed, never asked for twice."""

    def __init__(self, wiki, start: int) -> None:
        self.wiki = wiki
        self.next = start

    def take(self, count: int) -> list[int]:
        revs = [self.next + 2 * i for i in range(count)]
        self.next += 2 * count
        for rev in revs:
            self.wiki.wiki.text_of(rev)
            self.wiki.wiki.text_of(rev - 1)
        return revs


def paired(
    client: httpx.Client, model: str, revisions: Revisions, rounds: int, batch: int
) -> tuple[list[float], list[float]]:
    """(plain ms, explained ms): `rounds` requests of `batch` revisions each, alternating which
    kind goes first so that neither always meets a warmer machine."""
    plain: list[float] = []
    explained: list[float] = []
    path = f"/v1/models/{model}:predict"
    with progress_bar(f"{model}, {batch} per request", rounds) as step:
        for i in range(rounds):
            for explain in (i % 2 == 0, i % 2 == 1):
                instances = [{"lang": "en", "rev_id": r} for r in revisions.take(batch)]
                body: dict = {"instances": instances} if batch > 1 else dict(instances[0])
                if explain:
                    body["explain"] = True
                start = time.perf_counter()
                answer = client.post(path, json=body)
                elapsed = (time.perf_counter() - start) * 1000
                assert answer.status_code == 200 and answer.headers["x-cache"] == "miss", answer.text
                (explained if explain else plain).append(elapsed)
            step()
    return plain, explained


def row(what: str, plain: list[float], explained: list[float]) -> tuple[str, float]:
    p, e = Summary.of(plain), Summary.of(explained)
    cost = e.median - p.median
    share = cost / p.median
    # The spread of the paired differences says how much of the cost is noise on this machine.
    diffs = [b - a for a, b in zip(plain, explained, strict=False)]
    spread = statistics.pstdev(diffs) if len(diffs) > 1 else float("nan")
    line = (
        f"| {what} | {p.median:.1f} ms (p95 {p.p95:.1f}) | {e.median:.1f} ms (p95 {e.p95:.1f}) "
        f"| {cost:+.1f} ms | {share:+.1%} | {'**met**' if share <= GOAL else '**not met**'} "
        f"| ±{spread:.1f} ms | {load()} |"
    )
    print(line)
    return line, share


def compute_alone(rounds: int) -> list[str]:
    """score vs explain on the same facts, in this process: the CPU an explanation adds."""
    from revertrisk_service.models.registry import load_scorer
    from revertrisk_service.models.scorer import signals_for

    with fake_wiki() as wiki:
        import asyncio

        from revertrisk_service.mediawiki.client import MediaWikiClient
        from revertrisk_service.wikis import resolve_lang

        revs = Revisions(wiki, REV_20KB + 200_000).take(20)

        async def fetch():
            async with MediaWikiClient(wiki_url=wiki.url, user_agent="revertrisk bench") as c:
                return await c.fetch_edits([(resolve_lang("en"), r) for r in revs])

        contexts = asyncio.run(fetch())
    lines = []
    settings = Settings()
    for name in MODELS:
        scorer = load_scorer(name, settings)
        facts = [signals_for(c, [scorer]) for c in contexts]
        scorer.explain(facts[:1])  # the explainer is built on first use, not timed
        for size in (1, 20):
            chunk = facts[:size]
            timings: dict[str, list[float]] = {"score": [], "explain": []}
            for _ in range(rounds):
                for kind, fn in (("score", scorer.score), ("explain", scorer.explain)):
                    start = time.perf_counter()
                    fn(chunk)
                    timings[kind].append((time.perf_counter() - start) * 1000)
            s, e = (statistics.median(timings[k]) for k in ("score", "explain"))
            lines.append(
                f"| {name}, {size} edit{'s' if size > 1 else ''} | {s:.2f} ms | {e:.2f} ms "
                f"| {e - s:+.2f} ms | {load()} |"
            )
            print(lines[-1])
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer samples (a smoke run)")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "RESULTS.md")
    args = parser.parse_args()
    rounds = 8 if args.quick else 30
    started = datetime.now(UTC)
    load_start = load()
    http_rows: list[str] = []
    shares: list[float] = []
    with redis_server() as redis_srv, fake_wiki() as wiki:
        revisions = Revisions(wiki, REV_20KB + 100_000)
        with (
            serving(",".join(MODELS), redis_srv.url, wiki.url) as service,
            httpx.Client(base_url=service.base_url, timeout=120) as client,
        ):
            for latency in (LATENCY_S, 0.0):
                wiki.fallback = Step(delay_s=latency) if latency else None
                header(f"Explanation cost, MediaWiki answering after {latency * 1000:g} ms")
                for model in MODELS:
                    paired(client, model, revisions, 2, 1)  # warm-up, not recorded
                    for batch, n in ((1, rounds), (20, max(3, rounds // 5))):
                        plain, explained = paired(client, model, revisions, n, batch)
                        what = (
                            f"{model}, {'one miss' if batch == 1 else 'batch of 20 misses'}, "
                            f"MediaWiki {latency * 1000:g} ms/call, {n} pairs"
                        )
                        line, share = row(what, plain, explained)
                        http_rows.append(line)
                        shares.append(share)
    header("Compute alone, in process (score vs explain on the same facts)")
    compute_rows = compute_alone(max(10, rounds))
    lines = [
        "## Explanation cost: `bench/bench_explain.py`",
        "",
        (
            f"Run on {started:%Y-%m-%d %H:%M} UTC; load average (1/5/15 min) at the start "
            f"{load_start}, at the end {load()}. The 2 CPUs are shared with other sessions' builds "
            "and tests while this runs, so single figures move by several milliseconds; each cost "
            "is the difference of medians of requests interleaved in the same run, and ± is the "
            f"spread of the paired differences. Goal: an explanation costs at most {GOAL:.0%} of "
            "a miss's time."
        ),
        "",
        (
            "| requests | without explain (median) | with explain (median) | cost "
            "| share of the miss | goal <= 10% | ± | load (1/5/15) |"
        ),
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
        *http_rows,
        "",
        "The compute alone (the scoring process's part), medians:",
        "",
        "| model, edits | score | score + explain | cost | load (1/5/15) |",
        "| --- | --- | --- | --- | --- |",
        *compute_rows,
    ]
    replace_section(args.out, "bench_explain.py", lines)
    print(f"\nwritten {args.out}")


if __name__ == "__main__":
    main()
