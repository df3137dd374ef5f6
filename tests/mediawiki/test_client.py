"""The MediaWiki client against a real HTTP server on loopback: batching, errors, retries, deadline."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

import httpx
import pytest
from prometheus_client import REGISTRY

from revertrisk_devtools.flaky_api import (
    FlakyApi,
    Step,
    api_failure,
    dropped,
    garbage,
    maxlag,
    rate_limited,
    running,
    slow,
    unavailable,
)
from revertrisk_devtools.local_wiki import LocalWiki
from revertrisk_devtools.ports import free_port
from revertrisk_service.errors import ServiceError
from revertrisk_service.mediawiki.client import MediaWikiClient
from revertrisk_service.mediawiki.types import EditContext
from revertrisk_service.wikis import resolve_lang

EN = resolve_lang("en")
DE = resolve_lang("de")
USER_AGENT = "revertrisk-service-tests/0.1 (https://example.org/revertrisk; tests@example.org)"


@pytest.fixture
def api() -> Iterator[FlakyApi]:
    with running() as server:
        yield server


def make_client(url: str | None, **overrides: float) -> MediaWikiClient:
    options: dict[str, float] = {"timeout_s": 2.0, "total_deadline_s": 10.0, "max_retries": 3}
    options.update(overrides)
    return MediaWikiClient(
        url,
        USER_AGENT,
        timeout_s=options["timeout_s"],
        total_deadline_s=options["total_deadline_s"],
        max_retries=int(options["max_retries"]),
        # Tiny backoff keeps the suite fast; the tests count attempts, never time them.
        backoff_base_s=0.001,
        backoff_max_s=0.01,
    )


@pytest.fixture
async def client(api: FlakyApi) -> AsyncIterator[MediaWikiClient]:
    async with make_client(api.url) as mw:
        yield mw


def revision_queries(api: FlakyApi, requested: set[int]) -> list[set[int]]:
    """The revids of each revision query that asked for any of `requested`."""
    batches = [
        {int(r) for r in req.params["revids"].split("|")} for req in api.requests_with("revids")
    ]
    return [b for b in batches if b & requested]


def error_code(result: EditContext | ServiceError) -> str:
    assert isinstance(result, ServiceError), f"expected an error, got {result!r}"
    return result.code


async def test_fetches_revision_parent_user_and_page(client: MediaWikiClient, api: FlakyApi):
    [ctx] = await client.fetch_edits([(EN, 1001)])

    assert isinstance(ctx, EditContext)
    assert ctx.wiki == EN
    assert ctx.revision.rev_id == 1001 and ctx.revision.parent_id == 1000
    assert ctx.parent.rev_id == 1000
    assert "revision 1001" in ctx.revision.content and "revision 1000" in ctx.parent.content
    assert ctx.revision.content_model == "wikitext"
    assert ctx.revision.tags == ("mobile edit",)
    assert ctx.user.name == "Editor2" and not ctx.user.is_anonymous
    assert ctx.user.editcount == 42 and "autoconfirmed" in ctx.user.groups
    assert ctx.user.registration is not None and ctx.user.registration.year == 2019
    assert ctx.page.page_id == 1 and ctx.page.title == "Synthetic page"
    assert ctx.page.created_at is not None and ctx.page.created_at.year == 2001


async def test_every_request_names_the_wiki_by_host_header_and_sends_the_user_agent(
    client: MediaWikiClient, api: FlakyApi
):
    await client.fetch_edits([(EN, 11), (DE, 21)])

    assert api.requests, "no request reached the server"
    hosts = {req.headers["Host"] for req in api.requests}
    assert hosts == {EN.host, DE.host}
    for req in api.requests:
        assert req.path == "/w/api.php"
        assert req.headers["User-Agent"] == USER_AGENT
        assert req.params["format"] == "json" and req.params["formatversion"] == "2"
        assert req.params["maxlag"] == "5"


async def test_results_keep_request_order_across_wikis_and_duplicates(client: MediaWikiClient):
    requests = [(DE, 7), (EN, 5), (DE, 3), (EN, 5)]
    results = await client.fetch_edits(requests)

    assert [(r.wiki, r.revision.rev_id) for r in results if isinstance(r, EditContext)] == requests


async def test_120_revisions_take_three_revision_queries(client: MediaWikiClient, api: FlakyApi):
    rev_ids = list(range(10_001, 10_121))
    results = await client.fetch_edits([(EN, r) for r in rev_ids])

    assert all(isinstance(r, EditContext) for r in results)
    requested = revision_queries(api, set(rev_ids))
    assert len(requested) == math.ceil(120 / 50)
    assert all(len(batch) <= 50 for batch in requested)
    # Parents that were themselves requested are reused; only the first one is fetched.
    parent_only = revision_queries(api, {10_000})
    assert len(parent_only) == 1
    assert len(api.requests_with("ususers")) == 1  # three distinct editors, one batch
    assert len(api.requests_with("pageids")) == 1  # every revision is on the same page


async def test_page_creation_times_are_cached(client: MediaWikiClient, api: FlakyApi):
    await client.fetch_edits([(EN, 500)])
    await client.fetch_edits([(EN, 600)])

    assert len(api.requests_with("pageids")) == 1


async def test_per_revision_errors_leave_the_others_alone(client: MediaWikiClient, api: FlakyApi):
    api.wiki.missing.update({901, 920})  # 920 is the parent of 921
    api.wiki.page_creations.add(902)
    api.wiki.text_hidden.update({903, 930})  # 930 is the parent of 931
    api.wiki.content_models[904] = "json"

    results = await client.fetch_edits([(EN, r) for r in (900, 901, 902, 903, 904, 921, 931)])

    assert isinstance(results[0], EditContext)
    assert [error_code(r) for r in results[1:]] == [
        "revision_not_found",
        "parent_revision_missing",
        "revision_info_deleted",
        "unsupported_content_model",
        "parent_revision_missing",
        "revision_info_deleted",
    ]
    # All 400: see errors.UnscorableRevision for why not 404/422.
    assert [r.status for r in results[1:] if isinstance(r, ServiceError)] == [400] * 6


async def test_hidden_user_and_ip_and_temporary_editors(client: MediaWikiClient, api: FlakyApi):
    api.wiki.user_hidden.add(301)
    api.wiki.ip_editors.add(302)
    api.wiki.temp_editors.add(303)

    hidden, ip, temp = await client.fetch_edits([(EN, 301), (EN, 302), (EN, 303)])

    assert isinstance(hidden, EditContext) and hidden.user.is_anonymous and hidden.user.name is None
    assert isinstance(ip, EditContext) and ip.user.is_anonymous and not ip.user.is_temporary
    assert isinstance(temp, EditContext) and temp.user.is_anonymous and temp.user.is_temporary
    looked_up = {
        n for req in api.requests_with("ususers") for n in req.params["ususers"].split("|")
    }
    assert "192.0.2.7" not in looked_up


@pytest.mark.parametrize(
    ("step", "reason"),
    [
        (unavailable(503), "503"),
        (unavailable(502, retry_after="0"), "502 with Retry-After"),
        (rate_limited("0"), "429 with Retry-After"),
        (maxlag("0"), "maxlag"),
        (dropped(), "connection dropped"),
    ],
)
async def test_transient_failures_are_retried(
    client: MediaWikiClient, api: FlakyApi, step, reason: str
):
    api.push(step, step)

    [ctx] = await client.fetch_edits([(EN, 42)])

    assert isinstance(ctx, EditContext), reason
    assert len(revision_queries(api, {42})) == 3, reason


async def test_persistent_503_gives_up_after_max_retries(api: FlakyApi):
    api.fallback = unavailable(503)
    async with make_client(api.url, max_retries=2) as mw:
        results = await mw.fetch_edits([(EN, 42), (EN, 43)])

    assert [error_code(r) for r in results] == ["mediawiki_unavailable"] * 2
    assert all(r.status == 502 for r in results if isinstance(r, ServiceError))
    assert len(api.requests) == 3  # one batch: the first try and two retries


async def test_retry_after_beyond_the_deadline_is_not_waited_for(api: FlakyApi):
    api.fallback = maxlag(retry_after="3600")
    async with make_client(api.url, total_deadline_s=5.0) as mw:
        [result] = await mw.fetch_edits([(EN, 42)])

    assert error_code(result) == "mediawiki_unavailable"
    assert "maxlag" in result.message
    assert len(api.requests) == 1


@pytest.mark.parametrize("step", [api_failure(), garbage(), unavailable(403)])
async def test_permanent_failures_are_not_retried(client: MediaWikiClient, api: FlakyApi, step):
    api.push(step)

    [result] = await client.fetch_edits([(EN, 42)])

    assert error_code(result) == "mediawiki_unavailable"
    assert len(api.requests) == 1


async def test_slow_answers_time_out_and_are_retried(api: FlakyApi):
    api.push(slow(1.0))
    async with make_client(api.url, timeout_s=0.2, total_deadline_s=10.0) as mw:
        [ctx] = await mw.fetch_edits([(EN, 42)])

    assert isinstance(ctx, EditContext)
    assert len(revision_queries(api, {42})) == 2


async def test_total_deadline_bounds_the_whole_fetch(api: FlakyApi):
    api.fallback = slow(1.0)
    async with make_client(api.url, timeout_s=0.3, total_deadline_s=0.8, max_retries=10) as mw:
        [result] = await mw.fetch_edits([(EN, 42)])

    assert error_code(result) == "mediawiki_timeout"
    assert result.status == 504
    # The deadline, not max_retries, ended it: at most ceil(0.8 / 0.3) attempts fit.
    assert len(api.requests) <= 3


async def test_unreachable_mediawiki_is_502():
    # Nothing listens on that port: every connection is refused.
    port = free_port()
    async with make_client(f"http://127.0.0.1:{port}", max_retries=1) as mw:
        [result] = await mw.fetch_edits([(EN, 42)])

    assert error_code(result) == "mediawiki_unavailable"


async def test_without_a_gateway_each_wiki_is_called_on_its_own_host():
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"batchcomplete": True, "query": {}})

    mw = MediaWikiClient(None, USER_AGENT, transport=httpx.MockTransport(answer))
    try:
        [result] = await mw.fetch_edits([(DE, 42)])
    finally:
        await mw.aclose()

    assert error_code(result) == "revision_not_found"
    assert str(seen[0].url).startswith(f"https://{DE.host}/w/api.php?")


async def test_truncated_answers_are_continued(client: MediaWikiClient, api: FlakyApi):
    # MediaWiki stops adding revisions once the result size limit is hit and says where to resume.
    first_part = api.wiki.answer({"revids": "42"})
    first_part["continue"] = {"rvcontinue": "43", "continue": "||"}
    api.push(Step(body=first_part))

    results = await client.fetch_edits([(EN, 42), (EN, 43)])

    assert all(isinstance(r, EditContext) for r in results)
    resumed = [r for r in api.requests_with("revids") if r.params.get("rvcontinue") == "43"]
    assert len(resumed) == 1 and resumed[0].params["revids"] == "42|43"


# -- against a real MediaWiki (Debian's 1.39 on SQLite, see tests/support/mediawiki.py) --------


@pytest.mark.e2e
async def test_real_mediawiki_answers_map_to_contexts_and_errors(local_wiki: LocalWiki):
    keys = [
        "registered_edit",
        "anonymous_edit",
        "bot_edit",
        "cyrillic_edit",
        "page_creation",
        "text_hidden",
        "after_text_hidden",
        "non_wikitext",
        "missing",
    ]
    async with make_client(local_wiki.base_url) as mw:
        results = await mw.fetch_edits([(EN, local_wiki.revs[k]) for k in keys])
    by_key = dict(zip(keys, results, strict=True))

    registered = by_key["registered_edit"]
    assert isinstance(registered, EditContext)
    assert registered.revision.content == local_wiki.text_of("registered_edit")
    assert registered.parent.rev_id == local_wiki.revs["page_creation"]
    assert registered.parent.content == local_wiki.text_of("page_creation")
    assert registered.user.name == "Alice" and not registered.user.is_anonymous
    assert registered.user.registration is not None and registered.user.editcount is not None
    assert registered.page.title == "Photosynthesis"
    assert registered.page.page_id == local_wiki.page_ids["photosynthesis"]
    assert registered.page.created_at == datetime(2024, 1, 10, 9, 0, tzinfo=UTC)

    anonymous = by_key["anonymous_edit"]
    assert isinstance(anonymous, EditContext)
    assert anonymous.user.is_anonymous and anonymous.user.name == "192.0.2.44"
    bot = by_key["bot_edit"]
    assert isinstance(bot, EditContext) and "bot" in bot.user.groups and bot.revision.minor
    assert isinstance(by_key["cyrillic_edit"], EditContext)

    assert {k: error_code(by_key[k]) for k in keys[4:]} == {
        "page_creation": "parent_revision_missing",
        "text_hidden": "revision_info_deleted",
        "after_text_hidden": "revision_info_deleted",
        "non_wikitext": "unsupported_content_model",
        "missing": "revision_not_found",
    }


def _sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_attempts_and_retries_are_counted_in_metrics(client: MediaWikiClient, api: FlakyApi):
    retries_before = _sample(
        "revertrisk_mediawiki_retries_total", query="revisions", reason="maxlag"
    )
    lagged_before = _sample(
        "revertrisk_mediawiki_requests_total", query="revisions", outcome="maxlag"
    )
    api.push(maxlag("0"))

    await client.fetch_edits([(EN, 77)])

    assert (
        _sample("revertrisk_mediawiki_retries_total", query="revisions", reason="maxlag")
        == retries_before + 1
    )
    assert (
        _sample("revertrisk_mediawiki_requests_total", query="revisions", outcome="maxlag")
        == lagged_before + 1
    )
    assert _sample("revertrisk_mediawiki_request_duration_seconds_count", query="users") >= 1
