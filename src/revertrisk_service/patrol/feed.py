"""Fans every new score out to the open patrol pages, and keeps the latest for new visitors.

A page that cannot keep up loses its oldest unsent rows (counted per subscriber) rather than
holding memory or slowing anyone else.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import asdict
from typing import Any
from urllib.parse import quote

from prometheus_client import Counter, Gauge

from revertrisk_service.scored_edits import ScoredEdit

SUBSCRIBERS = Gauge("revertrisk_patrol_subscribers", "Open patrol page streams.")
DROPPED = Counter("revertrisk_patrol_rows_dropped_total", "Rows a slow patrol page never got.")


def patrol_row(edit: ScoredEdit, link_base: str | None = None) -> dict[str, Any]:
    """The page's row for a score. Links go to the wiki's public host, or to `link_base` (one
    wiki serving every language, such as the local wiki of `make try`), through index.php, which
    every MediaWiki answers without rewrite rules."""
    title = edit.page_title.replace(" ", "_")
    base = link_base.rstrip("/") if link_base else f"https://{edit.wiki.host}"
    page_url = (f"{base}/w/index.php?title={quote(title)}" if link_base
                else f"{base}/wiki/{title}")
    return {
        "id": f"{edit.model_name}:{edit.wiki.dbname}:{edit.rev_id}",
        "wiki": edit.wiki.dbname,
        "model": edit.model_name,
        "model_version": edit.model_version,
        "rev_id": edit.rev_id,
        "title": edit.page_title,
        "diff_url": f"{base}/w/index.php?diff={edit.rev_id}&oldid={edit.parent_id}",
        "page_url": page_url,
        "user": edit.user_text,
        "anonymous": edit.is_anonymous,
        "temporary": edit.is_temporary,
        "bot": edit.is_bot,
        "score": edit.probability,
        "origin": edit.origin,
        "scored_at": edit.scored_at.isoformat(),
        "reasons": [asdict(reason) for reason in edit.reasons],
        "diff": asdict(edit.diff) if edit.diff else None,
    }


class PatrolFeed:
    def __init__(
        self, backlog: int = 200, subscriber_queue: int = 500, link_base: str | None = None
    ) -> None:
        self._link_base = link_base
        self._recent: deque[dict[str, Any]] = deque(maxlen=backlog)
        self._subscribers: set[asyncio.Queue[dict[str, Any]]] = set()
        self._subscriber_queue = subscriber_queue

    def offer(self, edit: ScoredEdit) -> None:
        row = patrol_row(edit, self._link_base)
        self._recent.append(row)
        for queue in self._subscribers:
            if queue.full():
                queue.get_nowait()
                DROPPED.inc()
            queue.put_nowait(row)

    def recent(self) -> list[dict[str, Any]]:
        return list(self._recent)

    def has_subscribers(self) -> bool:
        return bool(self._subscribers)

    def subscribe(self) -> asyncio.Queue[dict[str, Any]]:
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(self._subscriber_queue)
        self._subscribers.add(queue)
        SUBSCRIBERS.set(len(self._subscribers))
        return queue

    def unsubscribe(self, queue: asyncio.Queue[dict[str, Any]]) -> None:
        self._subscribers.discard(queue)
        SUBSCRIBERS.set(len(self._subscribers))
