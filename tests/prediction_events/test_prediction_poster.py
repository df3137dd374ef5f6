"""The EventGate poster against a real HTTP sink on loopback: delivery, outages, rejection, drops."""

from __future__ import annotations

import asyncio
import time

from support.edits import scored_edit as edit

from revertrisk_devtools.event_sink import running_sink
from revertrisk_devtools.ports import free_port
from revertrisk_service.prediction_events.announced import RecentKeys
from revertrisk_service.prediction_events.event_shape import SCHEMA, prediction_event
from revertrisk_service.prediction_events.poster import EventGatePoster, PosterSettings

STREAM = "mediawiki.page_revert_risk_prediction_change.v1"


def poster_for(url: str, **overrides: object) -> EventGatePoster:
    settings = {
        "url": url,
        "stream": STREAM,
        "user_agent": "revertrisk-service test",
        "backoff_initial_s": 0.05,
        "backoff_max_s": 0.2,
        **overrides,
    }
    return EventGatePoster(PosterSettings(**settings))  # type: ignore[arg-type]


def test_event_shape_follows_prediction_classification_change() -> None:
    event = prediction_event(edit(101, probability=0.7), STREAM)
    assert event["$schema"] == SCHEMA
    assert event["meta"]["stream"] == STREAM and event["meta"]["domain"] == "de.wikipedia.org"
    assert event["meta"]["uri"] == "https://de.wikipedia.org/wiki/Photosynthese_und_Licht"
    assert event["wiki_id"] == "dewiki"
    assert event["page"] == {"page_id": 42, "page_title": "Photosynthese_und_Licht", "namespace_id": 0}
    assert event["revision"] == {"rev_id": 101, "rev_parent_id": 100, "rev_dt": "2026-11-22T10:00:00Z"}
    assert event["performer"]["user_text"] == "192.0.2.1"
    assert event["predicted_classification"] == {
        "model_name": "revertrisk-language-agnostic",
        "model_version": "0.1.0-abc",
        "predictions": ["true"],
        "probabilities": {"true": 0.7, "false": 0.3},
    }
    assert prediction_event(edit(102, probability=0.2), STREAM)["predicted_classification"][
        "predictions"
    ] == []


async def test_events_reach_the_sink_and_requests_are_not_posted() -> None:
    with running_sink() as sink:
        poster = poster_for(sink.url)
        poster.offer(edit(1, "event"))
        poster.offer(edit(2, "precache"))
        poster.offer(edit(3, "request"))  # Lift Wing posts for stream edits only
        await poster.drain(5)
        await asyncio.to_thread(sink.wait_for, 2)
        await poster.aclose()
    assert [e["revision"]["rev_id"] for e in sink.events] == [1, 2]
    assert poster.counts["posted"] == 2
    assert sink.requests[0]["User-Agent"] == "revertrisk-service test"


async def test_sink_down_then_back() -> None:
    port = free_port()
    poster = poster_for(f"http://127.0.0.1:{port}/v1/events", max_attempts=40)
    for rev_id in range(1, 4):
        poster.offer(edit(rev_id))
    await asyncio.sleep(0.4)  # several failed attempts while nothing listens
    assert poster.counts["posted"] == 0
    with running_sink(port) as sink:
        events = await asyncio.to_thread(sink.wait_for, 3)
        poster.offer(edit(4))
        events = await asyncio.to_thread(sink.wait_for, 4)
        await poster.aclose()
    assert sorted(e["revision"]["rev_id"] for e in events) == [1, 2, 3, 4]
    assert poster.counts["dropped_after_retries"] == 0


async def test_server_errors_are_retried_and_rejections_are_not() -> None:
    with running_sink() as sink:
        sink.statuses = [503, 500]
        poster = poster_for(sink.url)
        poster.offer(edit(1))
        await asyncio.to_thread(sink.wait_for, 1)
        assert len(sink.requests) == 3
        sink.statuses = [400]
        poster.offer(edit(2))
        deadline = time.monotonic() + 5
        while poster.counts["rejected"] == 0 and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.3)
        await poster.aclose()
    assert poster.counts == {"posted": 1, "rejected": 1, "dropped_queue_full": 0,
                             "dropped_after_retries": 0, "duplicate": 0}
    assert len(sink.requests) == 4  # the 400 was not retried


async def test_gives_up_after_max_attempts_and_goes_on() -> None:
    port = free_port()
    poster = poster_for(f"http://127.0.0.1:{port}/v1/events", max_attempts=2)
    poster.offer(edit(1))
    deadline = time.monotonic() + 5
    while poster.counts["dropped_after_retries"] == 0 and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    assert poster.counts["dropped_after_retries"] == 1
    with running_sink(port) as sink:
        poster.offer(edit(2))
        events = await asyncio.to_thread(sink.wait_for, 1)
        await poster.aclose()
    assert [e["revision"]["rev_id"] for e in events] == [2]


async def test_full_queue_drops_and_counts() -> None:
    port = free_port()  # nothing listens: the worker would be stuck retrying
    poster = poster_for(f"http://127.0.0.1:{port}/v1/events", queue_size=5, max_attempts=100)
    # offer() is synchronous and never awaits EventGate: these 20 happen before the worker runs.
    for rev_id in range(1, 21):
        poster.offer(edit(rev_id))
    assert poster.counts["dropped_queue_full"] == 15
    await poster.aclose()


async def test_an_edit_seen_twice_is_posted_once_per_model_version() -> None:
    from dataclasses import replace

    with running_sink() as sink:
        poster = poster_for(sink.url)
        first = edit(7, "precache")
        assert poster.wants_cached(first.key, "event")
        poster.offer(first)
        # The same edit again, from an event this time, computed or found in the cache.
        assert not poster.wants_cached(first.key, "event")
        poster.offer(replace(edit(7, "event"), cached=True))
        # Another model version of the same edit is another event.
        poster.offer(replace(edit(7, "event"), model_version="0.2.0"))
        await poster.drain(5)
        events = await asyncio.to_thread(sink.wait_for, 2)
        await poster.aclose()
    assert [e["predicted_classification"]["model_version"] for e in events] == [
        "0.1.0-abc", "0.2.0",
    ]
    assert poster.counts["duplicate"] == 1
    assert not poster.wants_cached(edit(8).key, "request")  # API calls get no events


def test_remembered_edits_are_bounded() -> None:
    remembered = RecentKeys(3)
    for rev_id in range(1, 6):
        assert remembered.add(edit(rev_id).key)
    assert len(remembered) == 3
    assert edit(1).key not in remembered and edit(5).key in remembered
    assert not remembered.add(edit(5).key)


def test_hidden_editor_is_left_out() -> None:
    from dataclasses import replace

    event = prediction_event(replace(edit(5), user_text=None), STREAM)
    assert "user_text" not in event["performer"]
