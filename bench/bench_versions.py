"""Model versions: what shadow scoring costs, and how long a promotion takes to reach every replica.

    .venv/bin/python bench/bench_versions.py [--rounds N] [--challenger DIR]

1. Shadow scoring against champion only, in one run: the same fetched edits of the fake wiki's
   5-20 KB articles go through the scoring call (RevisionScoring's group call: signals solved
   once, each model's inference, the shadow scores queued for the outcome store) with the
   champion alone and with the champion plus a challenger, in interleaved blocks; per miss (one
   edit a call) and per batch (20 edits a call). MediaWiki is not in the timed part: the shadow
   makes no call there (tests/versions/test_champion_and_shadow.py counts them).
2. Promotion across replicas: two `revertrisk serve` replicas of two serving processes each,
   sharing Redis (score cache and aliases), answer a steady request loop; the challenger is
   promoted and rolled back in turn, and each time the bench takes how long after the act the
   last answer of the old version was seen (every process of every replica had switched).

The challenger is the language-agnostic model retrained with another seed (trained here, about
20 s, unless --challenger names an artifact). The results replace the "bench_versions.py" block
of bench/RESULTS.md, with the load average.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

import httpx
from bench_goals import fmt_load
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

from revertrisk_devtools.service_process import run_service
from revertrisk_service.config import Settings
from revertrisk_service.mediawiki.client import MediaWikiClient
from revertrisk_service.models.installed_versions import ModelRegistry
from revertrisk_service.outcomes.recorder import ScoreRecorder
from revertrisk_service.outcomes.sql_store import SqlOutcomeStore
from revertrisk_service.scoring.revision_scoring import RevisionScoring
from revertrisk_service.scoring.scoring_pool import ThreadScoring
from revertrisk_service.versions.aliases import FileAliasStore, RedisAliasStore
from revertrisk_service.versions.catalog import ModelVersions
from revertrisk_service.versions.shadow import ShadowScoring
from revertrisk_service.versions.wiring import start_live_versions
from revertrisk_service.wikis import resolve_lang

BATCH = 20
POLL_S = 1.0
EN = resolve_lang("en")
SHIPPED = REPO / "models" / LANGUAGE_AGNOSTIC


def challenger_artifact(given: Path | None, work: Path) -> Path:
    if given is not None:
        return given
    from revertrisk_service.evaluation.evaluate import evaluate_model_dir
    from revertrisk_service.locations import default_data_dir
    from revertrisk_service.training import language_agnostic as train

    target = work / "challenger" / LANGUAGE_AGNOSTIC
    train.main(output_dir=target, data_dir=default_data_dir(), seed=7)
    evaluate_model_dir(target)
    return target


async def fetched_edits(wiki_url: str, count: int):
    client = MediaWikiClient(wiki_url, "revertrisk-service benchmark")
    try:
        contexts = await client.fetch_edits([(EN, 2 * k + 1) for k in range(1, count + 1)])
    finally:
        await client.aclose()
    return [c for c in contexts if not isinstance(c, Exception)]


def shadow_cost(registry: Path, challenger: Path, wiki_url: str, rounds: int) -> list[str]:
    header("shadow scoring against champion only (the scoring call, in process)")
    settings = Settings(model=LANGUAGE_AGNOSTIC, model_registry_dir=registry,
                        feedback_database_url=f"sqlite:///{registry / 'outcomes.sqlite3'}")
    versions = ModelVersions(ModelRegistry(registry), FileAliasStore(registry))
    versions.ensure_champion(LANGUAGE_AGNOSTIC, SHIPPED)
    candidate = versions.install(LANGUAGE_AGNOSTIC, challenger)
    versions.set_challenger(LANGUAGE_AGNOSTIC, candidate, by="bench")
    runner = ThreadScoring(1)
    recorder = ScoreRecorder(SqlOutcomeStore.from_url(settings.feedback_database_url, 5.0))
    live = start_live_versions(versions, settings, runner)
    champion = live.champion(LANGUAGE_AGNOSTIC)
    alone = RevisionScoring(None, runner)  # type: ignore[arg-type]
    shadowed = RevisionScoring(None, runner, shadow=ShadowScoring(live, recorder))  # type: ignore[arg-type]
    contexts = asyncio.run(fetched_edits(wiki_url, BATCH))
    loop = asyncio.new_event_loop()

    def call(scoring: RevisionScoring, edits):
        return lambda: loop.run_until_complete(scoring._score_group([champion], edits, False))

    single = contexts[:1]
    load_before = os.getloadavg()
    times = interleaved_blocks(
        {
            "miss, champion only": call(alone, single),
            "miss, with challenger": call(shadowed, single),
            "batch, champion only": call(alone, contexts),
            "batch, with challenger": call(shadowed, contexts),
        },
        rounds=rounds,
        block=10,
    )
    load = os.getloadavg()
    recorder.wait_idle(30)
    recorder.close()
    runner.close()
    loop.close()
    summaries = {name: Summary.of(samples) for name, samples in times.items()}
    lines = [
        (f"Shadow scoring, measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, load average "
        f"{fmt_load(load_before)} before and {fmt_load(load)} after (1 / 5 / 15 min); the "
        "scoring call of a miss (signals solved once, inference, shadow scores queued), "
        f"{rounds} interleaved rounds of 10 calls per series, {len(contexts)} edits of 5-20 KB "
        "articles per batch."),
        "",
        "| series | median | p95 | p99 | with challenger / champion only (medians) |",
        "| --- | --- | --- | --- | --- |",
    ]
    for kind in ("miss", "batch"):
        base = summaries[f"{kind}, champion only"]
        both = summaries[f"{kind}, with challenger"]
        for name, s in ((f"{kind}, champion only", base), (f"{kind}, with challenger", both)):
            ratio = f"{both.median / base.median:.2f}x" if s is both else ""
            lines.append(f"| {name} | {s.median:.2f} ms | {s.p95:.2f} ms | {s.p99:.2f} ms | "
                         f"{ratio} |")
            print(f"{name:26} {s.line()}")
    return lines


def predict_loop(urls: list[str], stop: threading.Event, seen: list[tuple[float, str]]) -> None:
    clients = [httpx.Client(base_url=u, timeout=30) for u in urls]
    turn = 0
    try:
        while not stop.is_set():
            client = clients[turn % len(clients)]
            turn += 1
            rev = 2 * (turn % 50) + 3
            response = client.post(f"/v1/models/{LANGUAGE_AGNOSTIC}:predict",
                                   json={"lang": "en", "rev_id": rev})
            if response.status_code == 200:
                seen.append((time.monotonic(), response.json()["model_version"]))
            else:
                seen.append((time.monotonic(), f"error {response.status_code}"))
    finally:
        for client in clients:
            client.close()


def promotion_time(registry: Path, challenger: Path, wiki_url: str, acts: int) -> list[str]:
    header("promotion across 2 replicas x 2 serving processes")
    with ExitStack() as stack, tempfile.TemporaryDirectory(prefix="bench-logs-") as logs:
        redis = stack.enter_context(redis_server())
        versions = ModelVersions(ModelRegistry(registry), RedisAliasStore(redis.url))
        versions.ensure_champion(LANGUAGE_AGNOSTIC, SHIPPED)
        candidate = versions.install(LANGUAGE_AGNOSTIC, challenger)
        env = {
            **service_env(LANGUAGE_AGNOSTIC, redis.url, wiki_url),
            "MODEL_REGISTRY_DIR": str(registry), "VERSION_POLL_S": str(POLL_S),
            "WORKERS": "2", "SCORING_PROCESSES": "0",
            "FEEDBACK_DATABASE_URL": f"sqlite:///{registry / 'feedback.sqlite3'}",
        }  # fmt: skip
        replicas = [stack.enter_context(run_service(env, Path(logs))) for _ in range(2)]
        seen: list[tuple[float, str]] = []
        stop = threading.Event()
        loader = threading.Thread(
            target=predict_loop, args=([r.base_url for r in replicas], stop, seen)
        )
        loader.start()
        switches: list[float] = []
        try:
            time.sleep(3)
            for i in range(acts):
                target = candidate if i % 2 == 0 else versions.aliases(LANGUAGE_AGNOSTIC).previous_champion
                before = len(seen)
                acted = time.monotonic()
                if i % 2 == 0:
                    versions.promote(LANGUAGE_AGNOSTIC, candidate, by="bench", forced=True,
                                     reason="bench")
                else:
                    versions.rollback(LANGUAGE_AGNOSTIC, by="bench")
                time.sleep(POLL_S + 3)
                after = seen[before:]
                old = [t for t, v in after if v != target]
                switches.append((max(old) - acted) * 1000 if old else 0.0)
                print(f"act {i + 1}: last answer of the old version {switches[-1]:.0f} ms after")
        finally:
            stop.set()
            loader.join(60)
        errors = [v for _, v in seen if v.startswith("error")]
        load = os.getloadavg()
    s = Summary.of(switches)
    return [
        "",
        (f"Promotion across 2 replicas x 2 serving processes (Redis aliases, VERSION_POLL_S="
        f"{POLL_S:g}, scoring in threads), {acts} acts (promote, rollback, ...), load average "
        f"{fmt_load(load)}: the last answer of the old version came {s.median:.0f} ms after "
        f"the act (median; max {max(switches):.0f} ms); {len(seen)} predict requests during the "
        f"acts, {len(errors)} failed."),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--acts", type=int, default=4)
    parser.add_argument("--challenger", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-versions-") as work, fake_wiki() as wiki:
        challenger = challenger_artifact(args.challenger, Path(work))
        lines = shadow_cost(Path(work) / "registry-a", challenger, wiki.url, args.rounds)
        lines += promotion_time(Path(work) / "registry-b", challenger, wiki.url, args.acts)
    replace_section(REPO / "bench" / "RESULTS.md", "bench_versions.py", ["## Model versions", "", *lines])
    print("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
