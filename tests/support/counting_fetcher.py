"""The real MediaWiki client, counting which revisions were fetched."""

from __future__ import annotations

from collections.abc import Sequence

from revertrisk_service.errors import ServiceError
from revertrisk_service.mediawiki.client import MediaWikiClient
from revertrisk_service.mediawiki.types import EditContext
from revertrisk_service.wikis import Wiki


class CountingFetcher:
    def __init__(self, client: MediaWikiClient) -> None:
        self.client = client
        self.fetched: list[int] = []

    async def fetch_edits(self, requests: Sequence[tuple[Wiki, int]]) -> list[EditContext | ServiceError]:
        self.fetched.extend(rev for _, rev in requests)
        return await self.client.fetch_edits(list(requests))
