"""The scoring tests' MediaWiki: the real local wiki behind a client that counts fetches."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from support.counting_fetcher import CountingFetcher

from revertrisk_service.mediawiki.client import MediaWikiClient


@pytest.fixture
async def fetcher(local_wiki) -> AsyncIterator[CountingFetcher]:
    client = MediaWikiClient(local_wiki.base_url, "revertrisk-service tests")
    yield CountingFetcher(client)
    await client.aclose()
