"""The stream precacher against a real SSE server: filtering, drops, reconnects, checkpoints."""

from __future__ import annotations

import asyncio
import copy
import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from revertrisk_devtools.redis_server import RedisServer
from revertrisk_devtools.sse_server import SSEServer
from revertrisk_service.cache import GuardedRedis
from revertrisk_service.events import EventRevision, parse_event
from revertrisk_service.precache import (
    EventStream,
    HttpPoster,
    MemoryCheckpoint,
    PrecacheFilter,
    PrecacheRunner,
    RedisCheckpoint,
)
from revertrisk_service.precache.commit_tracker import CommitTracker
from revertrisk_service.precache.http_poster import _split_batch

USER_AGENT = "revertrisk-service-tests/0 (test@example.org)"


def page_change(
    rev_id: int,
    *,
    wiki: str = "enwiki",
    namespace: int = 0,
    kind: str = "edit",
    bot: bool = False,
    canary: bool = False,
) -> dict:
    return {
        "$schema": "/mediawiki/page/change/1.1.0",
        "meta": {
            "stream": "mediawiki.page_change.v1",
            "domain": "canary" if canary else "en.wikipedia.org",
            "dt": "2024-05-02T10:15:31Z",
        },
        "dt": "2024-05-02T10:15:30Z",
        "wiki_id": wiki,
        "page_change_kind": kind,
        "page": {"page_id": 10, "page_title": "Example", "namespace_id": namespace},
        "performer": {"user_text": "Someone", "groups": ["*", "user"], "user_is_bot": bot},
        "revision": {"rev_id": rev_id, "rev_parent_id": None if kind == "create" else rev_id - 1},
    }


def every_wiki(_wiki: object) -> bool:
    return True


class Recorder:
    """An in-process score_fn that records what it was asked to score."""

    def __init__(self, block_on: int | None = None) -> None:
        self.scored: list[int] = []
        self.block_on = block_on
        self.gate = asyncio.Event()

    async def __call__(self, revisions: list[EventRevision]) -> list[dict]:
        results = []
        for revision in revisions:
            if revision.rev_id == self.block_on:
                await self.gate.wait()
            self.scored.append(revision.rev_id)
            results.append({"score": 0.5})
        return results


def make_runner(
    server: SSEServer, score_fn, checkpoint: MemoryCheckpoint, **kwargs
) -> PrecacheRunner:
    stream = EventStream(
        server.url,
        user_agent=USER_AGENT,
        since=kwargs.pop("since", None),
        backoff_initial_s=0.01,
        backoff_max_s=0.05,
    )
    kwargs.setdefault("commit_interval_s", 0.01)
    return PrecacheRunner(stream, score_fn, checkpoint, every_wiki, **kwargs)


async def wait_for(condition: Callable[[], bool], timeout_s: float = 20.0) -> None:
    async with asyncio.timeout(timeout_s):
        while not condition():
            await asyncio.sleep(0.01)


async def run_until(runner: PrecacheRunner, condition: Callable[[], bool]) -> None:
    task = asyncio.create_task(runner.run())
    try:
        await wait_for(lambda: condition() or task.done())
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    if task.done() and not task.cancelled() and task.exception():
        raise task.exception()


async def test_dropped_stream_resumes_without_loss_or_duplicates(sse_server: SSEServer) -> None:
    ids = [sse_server.add_event(page_change(100 + i)) for i in range(20)]
    sse_server.state.drop_after = [4, 7]
    sse_server.state.fail_next = 0
    recorder = Recorder()
    checkpoint = MemoryCheckpoint()
    runner = make_runner(sse_server, recorder, checkpoint, concurrency=3, batch_size=4)
    await run_until(runner, lambda: checkpoint.event_id == ids[-1])

    assert sorted(recorder.scored) == list(range(100, 120))
    assert runner.stats.scored == 20 and runner.stats.errors == 0
    assert runner.stream.reconnects >= 2
    resumed_from = [r.last_event_id for r in sse_server.state.requests]
    assert resumed_from[:3] == [None, ids[3], ids[10]]
    assert all(r.user_agent == USER_AGENT for r in sse_server.state.requests)


async def test_stream_cut_in_the_middle_of_an_event(sse_server: SSEServer) -> None:
    # The half-sent event (its id line included) is neither scored nor checkpointed: the
    # reconnect resumes after the last whole event and gets it again, complete.
    ids = [sse_server.add_event(page_change(300 + i)) for i in range(12)]
    sse_server.state.cut_mid_event_after = [3, 5]
    recorder = Recorder()
    checkpoint = MemoryCheckpoint()
    runner = make_runner(sse_server, recorder, checkpoint, concurrency=2, batch_size=2)
    await run_until(runner, lambda: checkpoint.event_id == ids[-1])

    assert sorted(recorder.scored) == list(range(300, 312))
    assert runner.stats.errors == 0
    resumed_from = [r.last_event_id for r in sse_server.state.requests]
    assert resumed_from[:3] == [None, ids[2], ids[7]]


async def test_restart_resumes_from_the_committed_event(sse_server: SSEServer) -> None:
    events = [page_change(200 + i) for i in range(10)]
    events[3] = page_change(203, namespace=1)  # filtered out
    ids = [sse_server.add_event(e) for e in events]
    checkpoint = MemoryCheckpoint()

    # First run: scoring hangs on 206, then the process "dies".
    first = Recorder(block_on=206)
    runner = make_runner(sse_server, first, checkpoint, concurrency=1, batch_size=1)
    await run_until(runner, lambda: checkpoint.event_id == ids[5] and runner.stats.seen == 10)
    assert first.scored == [200, 201, 202, 204, 205]
    assert checkpoint.event_id == ids[5]  # 206 was never finished: not committed past it

    # Second run resumes after the checkpoint: 206 onwards, nothing before it again.
    second = Recorder()
    runner = make_runner(sse_server, second, checkpoint, concurrency=2)
    await run_until(runner, lambda: checkpoint.event_id == ids[-1])
    assert sorted(second.scored) == [206, 207, 208, 209]
    assert sse_server.state.requests[-1].last_event_id == ids[5]


async def test_since_is_sent_only_without_a_checkpoint(sse_server: SSEServer) -> None:
    ids = [sse_server.add_event(page_change(300 + i)) for i in range(2)]
    sse_server.state.fail_next = 1  # a 503 first: backoff and retry
    checkpoint = MemoryCheckpoint()
    runner = make_runner(sse_server, Recorder(), checkpoint, since="2024-05-02T10:00:00Z")
    await run_until(runner, lambda: checkpoint.event_id == ids[-1])
    first, second = sse_server.state.requests[:2]
    assert first.query == {"since": ["2024-05-02T10:00:00Z"]} and first.last_event_id is None
    assert second.query == {"since": ["2024-05-02T10:00:00Z"]}  # the 503 gave no event id

    sse_server.add_event(page_change(302))
    runner = make_runner(sse_server, Recorder(), checkpoint, since="2024-05-02T10:00:00Z")
    await run_until(runner, lambda: runner.stats.scored == 1)
    assert sse_server.state.requests[-1].query == {}
    assert sse_server.state.requests[-1].last_event_id == ids[-1]


async def test_filters_and_bad_events_are_counted_not_fatal(sse_server: SSEServer) -> None:
    sse_server.add_event(page_change(400))
    sse_server.add_event(page_change(401, bot=True))
    sse_server.add_event(page_change(402, canary=True))
    sse_server.add_event(page_change(403, kind="create"))
    sse_server.add_event(page_change(404, wiki="wikidatawiki"))
    sse_server.add_event(page_change(405, wiki="dewiki"))  # unsupported by this model
    sse_server.add_raw("{not json")
    sse_server.add_raw(json.dumps({"hello": "world"}))
    last = sse_server.add_event(page_change(406, kind="move"))
    recorder = Recorder()
    checkpoint = MemoryCheckpoint()
    stream = EventStream(sse_server.url, user_agent=USER_AGENT, backoff_initial_s=0.01)
    runner = PrecacheRunner(
        stream, recorder, checkpoint, lambda wiki: wiki.lang == "en", commit_interval_s=0.01
    )
    await run_until(runner, lambda: checkpoint.event_id == last)
    assert recorder.scored == [400]
    assert runner.stats.invalid == 2
    assert runner.stats.filtered == {
        "bot": 1,
        "canary": 1,
        "page_creation": 1,
        "irrelevant": 1,
        "wiki_unsupported": 1,
        "not_a_new_revision": 1,
    }


async def test_full_queue_drops_the_oldest(sse_server: SSEServer) -> None:
    ids = [sse_server.add_event(page_change(500 + i)) for i in range(12)]
    recorder = Recorder(block_on=None)
    blocker = asyncio.Event()

    async def slow(revisions: list[EventRevision]) -> list[dict]:
        await blocker.wait()
        return await recorder(revisions)

    checkpoint = MemoryCheckpoint()
    runner = make_runner(sse_server, slow, checkpoint, concurrency=1, batch_size=1, queue_size=2)
    task = asyncio.create_task(runner.run())
    try:
        await wait_for(lambda: runner.stats.seen == 12)
        blocker.set()
        await wait_for(lambda: checkpoint.event_id == ids[-1])
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    # The worker may or may not have taken one edit before the burst filled the queue.
    assert runner.stats.scored + runner.stats.dropped == 12
    assert runner.stats.scored in (2, 3)
    assert {510, 511} <= set(recorder.scored)  # the newest survive


async def test_scoring_errors_are_counted_and_committed(sse_server: SSEServer) -> None:
    ids = [sse_server.add_event(page_change(600 + i)) for i in range(3)]

    async def flaky(revisions: list[EventRevision]) -> list:
        if revisions[0].rev_id == 600:
            raise RuntimeError("model exploded")
        return [{"error": {"code": "revision_not_found"}} for _ in revisions]

    checkpoint = MemoryCheckpoint()
    runner = make_runner(sse_server, flaky, checkpoint, concurrency=1, batch_size=1)
    await run_until(runner, lambda: checkpoint.event_id == ids[-1])
    assert runner.stats.errors == 3 and runner.stats.scored == 0


def test_commit_tracker_waits_for_predecessors() -> None:
    tracker = CommitTracker()
    a, b, c = tracker.add("a"), tracker.add("b"), tracker.add("c")
    tracker.done(b)
    assert tracker.committable_id is None
    tracker.done(a)
    assert tracker.committable_id == "b"
    d = tracker.add(None)
    tracker.done(d)
    assert tracker.committable_id == "b"
    tracker.done(c)
    assert tracker.committable_id == "c" and len(tracker) == 0


def test_filter_defaults_and_options() -> None:
    rev = parse_event(page_change(10))
    default = PrecacheFilter()
    assert default.reject_reason(rev, every_wiki) is None
    assert (
        default.reject_reason(parse_event(page_change(10, namespace=2)), every_wiki) == "namespace"
    )
    assert (
        PrecacheFilter(namespaces=None).reject_reason(
            parse_event(page_change(10, namespace=2)), every_wiki
        )
        is None
    )
    assert (
        PrecacheFilter(include_bots=True).reject_reason(
            parse_event(page_change(10, bot=True)), every_wiki
        )
        is None
    )
    assert (
        PrecacheFilter(include_page_creations=True).reject_reason(
            parse_event(page_change(10, kind="create")), every_wiki
        )
        is None
    )
    assert (
        PrecacheFilter(wikis=frozenset({"dewiki"})).reject_reason(rev, every_wiki)
        == "wiki_not_selected"
    )


def test_split_batch_maps_errors_back_to_inputs() -> None:
    payload = {
        "predictions": [{"rev_id": 1}, {"rev_id": 3}],
        "errors": [{"index": 1, "code": "revision_not_found"}],
    }
    assert _split_batch(payload, 200, 3) == [
        {"rev_id": 1},
        {"error": {"index": 1, "code": "revision_not_found"}},
        {"rev_id": 3},
    ]
    assert _split_batch({"error": "x"}, 503, 2) == [{"error": {"error": "x"}, "status": 503}] * 2


async def test_http_poster_posts_to_a_real_server() -> None:
    bodies: list[tuple[str, dict, str | None]] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            bodies.append((self.path, body, self.headers.get("User-Agent")))
            if "instances" in body:
                answer = {
                    "predictions": [{"rev_id": i["rev_id"]} for i in body["instances"]],
                    "errors": [],
                }
            else:
                answer = {"rev_id": body["rev_id"]}
            data = json.dumps(answer).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    poster = HttpPoster(
        f"http://127.0.0.1:{server.server_address[1]}",
        "revertrisk-language-agnostic",
        user_agent=USER_AGENT,
    )
    try:
        one = parse_event(page_change(7))
        two = parse_event(copy.deepcopy(page_change(8, wiki="frwiki")))
        assert await poster([one]) == [{"rev_id": 7}]
        assert await poster([one, two]) == [{"rev_id": 7}, {"rev_id": 8}]
    finally:
        await poster.close()
        server.shutdown()
        server.server_close()
    assert bodies[0] == (
        "/v1/models/revertrisk-language-agnostic:predict",
        {"lang": "en", "rev_id": 7},
        USER_AGENT,
    )
    assert bodies[1][1] == {"instances": [{"lang": "en", "rev_id": 7}, {"lang": "fr", "rev_id": 8}]}


async def test_redis_checkpoint_round_trip_and_dead_redis(redis_server: RedisServer) -> None:
    guarded = GuardedRedis(redis_server.url, socket_timeout_s=0.2, failure_threshold=1)
    try:
        checkpoint = RedisCheckpoint(guarded, "mediawiki.page_change.v1", "replica-1")
        other = RedisCheckpoint(guarded, "mediawiki.page_change.v1", "replica-2")
        assert await checkpoint.load() is None
        await checkpoint.save('[{"offset": 5}]')
        assert await checkpoint.load() == '[{"offset": 5}]'
        assert await other.load() is None
        redis_server.kill()
        await checkpoint.save('[{"offset": 6}]')  # dropped, not raised
        assert await checkpoint.load() is None
    finally:
        await guarded.close()


def test_shards_split_pages_between_processes() -> None:
    from revertrisk_service.events import parse_event
    from revertrisk_service.precache.filters import PrecacheFilter

    def event(page_id: int, rev_id: int) -> dict:
        return {
            "$schema": "/mediawiki/page/change/1.1.0",
            "meta": {"stream": "mediawiki.page_change.v1", "domain": "en.wikipedia.org"},
            "wiki_id": "enwiki",
            "page_change_kind": "edit",
            "page": {"page_id": page_id, "namespace_id": 0},
            "performer": {"user_is_bot": False},
            "revision": {"rev_id": rev_id, "rev_parent_id": rev_id - 1},
        }

    shards = [PrecacheFilter(shard=(i, 3)) for i in range(3)]
    for page_id in range(1, 30):
        revision = parse_event(event(page_id, 1000 + page_id * 7))
        assert revision.page_id == page_id
        takers = [f for f in shards if f.reject_reason(revision, lambda w: True) is None]
        assert len(takers) == 1
