"""One revision as the history holds it, apart from the edit layer: the labels stage reads only
this, so its Spark workers never import the models' feature code."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any


@dataclass(frozen=True)
class HistoryRevision:
    """One revision as the history holds it (the wikitext-history columns, parsed)."""

    rev_id: int
    parent_id: int | None
    page_id: int
    page_title: str
    namespace: int
    timestamp: datetime
    user_text: str | None
    user_id: int | None
    comment: str
    minor: bool
    size: int
    sha1: str
    text: str
    content_model: str

    @property
    def is_anonymous(self) -> bool:
        # The Data Lake's convention (and the dump's <ip> contributor): no user id = IP editor.
        return self.user_id is None


def parse_timestamp(value: Any) -> datetime:
    """A history timestamp (a dump's string, an export's string or datetime) as an aware UTC
    datetime."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    parsed = datetime.fromisoformat(str(value))
    # A timestamp without an offset (Spark's string of a timestamp column) is UTC, as MediaWiki's.
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
