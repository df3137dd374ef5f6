"""Turn a Wikimedia EventStreams event into the one revision it announces.

Three schemas announce new revisions: `mediawiki.page_change.v1` (the current one),
`mediawiki.revision-create` (its predecessor) and `recentchange`. Each names the wiki, the
revision, its parent and whether the performer is a bot in a different place; `parse_event`
hides that so that the HTTP layer (which accepts an event as input) and the precache stream
consumer share one definition of "the revision this event is about".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from revertrisk_service.errors import InvalidEvent
from revertrisk_service.mediawiki.types import MAX_REV_ID
from revertrisk_service.wikis import Wiki, wiki_by_dbname

PAGE_CHANGE = "mediawiki.page_change.v1"
REVISION_CREATE = "mediawiki.revision-create"
RECENTCHANGE = "mediawiki.recentchange"

# page_change_kind values that carry a revision in `revision`. Only "edit" and "create" make a
# new revision; the others re-announce the page's current one, which the filters skip.
PAGE_CHANGE_KINDS = frozenset({"create", "edit", "move", "delete", "undelete", "visibility_change"})


class IrrelevantEvent(InvalidEvent):
    """A well-formed event that is not about a Wikipedia revision (a log entry, a Wikidata edit).

    It keeps InvalidEvent's client-facing code; the stream consumer catches it separately so
    that such events count as filtered out rather than as errors.
    """


@dataclass(frozen=True)
class EventRevision:
    """The revision an event announces, with what the precache filters need to decide on it."""

    wiki: Wiki
    rev_id: int
    parent_id: int
    namespace: int
    is_bot: bool
    is_page_creation: bool
    is_canary: bool
    stream: str
    event_time: datetime | None
    # "edit", "create", or for page_change the other kinds ("move", "delete", ...).
    change_kind: str = "edit"
    # The page, when the event names it (recentchange events do not).
    page_id: int | None = None


def parse_event(event: object) -> EventRevision:
    """Recognise the event's schema and extract its revision, or raise InvalidEvent."""
    if not isinstance(event, Mapping):
        raise InvalidEvent("An event must be a JSON object.")
    meta = event.get("meta")
    if meta is not None and not isinstance(meta, Mapping):
        raise InvalidEvent("The event's 'meta' must be an object.")
    meta = meta or {}
    stream = meta.get("stream")
    schema = str(event.get("$schema", ""))

    if "page_change_kind" in event or stream == PAGE_CHANGE or "/page/change/" in schema:
        return _parse_page_change(event, meta)
    if (
        ("server_name" in event and "type" in event)
        or stream == RECENTCHANGE
        or "/recentchange/" in schema
    ):
        return _parse_recentchange(event, meta)
    if (
        ("database" in event and "rev_id" in event)
        or stream == REVISION_CREATE
        or "/revision/create/" in schema
    ):
        return _parse_revision_create(event, meta)
    raise InvalidEvent(
        "Unrecognised event: expected a mediawiki.page_change.v1, mediawiki.revision-create or "
        "recentchange event.",
        stream=str(stream)[:100] if stream is not None else None,
    )


def _parse_page_change(event: Mapping[str, Any], meta: Mapping[str, Any]) -> EventRevision:
    kind = event.get("page_change_kind")
    if kind not in PAGE_CHANGE_KINDS:
        raise InvalidEvent(
            f"Unknown page_change_kind {str(kind)[:40]!r}: expected one of "
            f"{', '.join(sorted(PAGE_CHANGE_KINDS))}.",
            field="page_change_kind",
        )
    page = _object(event, "page")
    revision = _object(event, "revision")
    performer = event.get("performer")
    # Suppressed performers are omitted from the event; an unknown performer is not a bot.
    performer = performer if isinstance(performer, Mapping) else {}
    groups = performer.get("groups") or ()
    is_bot = bool(performer.get("user_is_bot")) or "bot" in groups
    parent_id = _optional_int(revision, "rev_parent_id", "revision.rev_parent_id")
    return EventRevision(
        wiki=_wiki(event.get("wiki_id"), "wiki_id"),
        rev_id=_required_int(revision, "rev_id", "revision.rev_id"),
        parent_id=parent_id or 0,
        namespace=_namespace(page, "namespace_id", "page.namespace_id"),
        is_bot=is_bot,
        is_page_creation=kind == "create" or not parent_id,
        is_canary=meta.get("domain") == "canary",
        stream=str(meta.get("stream") or PAGE_CHANGE),
        event_time=parse_time(event.get("dt")) or parse_time(meta.get("dt")),
        change_kind=str(kind),
        page_id=_lenient_id(page.get("page_id")),
    )


# Parsed like the page-change schema on purpose (a duplicates-tool pair): the two schemas name
# the same facts differently, and one parser per schema keeps each mapping readable.
def _parse_revision_create(event: Mapping[str, Any], meta: Mapping[str, Any]) -> EventRevision:
    performer = event.get("performer")
    performer = performer if isinstance(performer, Mapping) else {}
    groups = performer.get("user_groups") or ()
    parent_id = _optional_int(event, "rev_parent_id", "rev_parent_id")
    return EventRevision(
        wiki=_wiki(event.get("database"), "database"),
        rev_id=_required_int(event, "rev_id", "rev_id"),
        parent_id=parent_id or 0,
        namespace=_namespace(event, "page_namespace", "page_namespace"),
        is_bot=bool(performer.get("user_is_bot")) or "bot" in groups,
        is_page_creation=not parent_id,
        is_canary=meta.get("domain") == "canary",
        stream=str(meta.get("stream") or REVISION_CREATE),
        event_time=parse_time(meta.get("dt")) or parse_time(event.get("rev_timestamp")),
        change_kind="edit" if parent_id else "create",
        page_id=_lenient_id(event.get("page_id")),
    )


def _parse_recentchange(event: Mapping[str, Any], meta: Mapping[str, Any]) -> EventRevision:
    change_type = event.get("type")
    if change_type not in ("edit", "new"):
        # Log entries, category changes and external (Wikidata) changes carry no new revision.
        raise IrrelevantEvent(
            f"recentchange of type {str(change_type)[:40]!r} does not announce a revision.",
            field="type",
        )
    revision = _object(event, "revision")
    parent_id = _optional_int(revision, "old", "revision.old")
    timestamp = event.get("timestamp")
    event_time = (
        datetime.fromtimestamp(timestamp, UTC)
        if isinstance(timestamp, int | float) and not isinstance(timestamp, bool)
        else None
    )
    return EventRevision(
        wiki=_wiki(event.get("wiki"), "wiki"),
        rev_id=_required_int(revision, "new", "revision.new"),
        parent_id=parent_id or 0,
        namespace=_namespace(event, "namespace", "namespace"),
        is_bot=bool(event.get("bot")),
        is_page_creation=change_type == "new" or not parent_id,
        is_canary=meta.get("domain") == "canary",
        stream=str(meta.get("stream") or RECENTCHANGE),
        event_time=event_time or parse_time(meta.get("dt")),
        change_kind="create" if change_type == "new" else "edit",
    )


def _wiki(dbname: object, field: str) -> Wiki:
    if not isinstance(dbname, str) or not dbname:
        raise InvalidEvent(f"The event has no '{field}' naming its wiki.", field=field)
    wiki = wiki_by_dbname(dbname)
    if wiki is None:
        raise IrrelevantEvent(
            f"The event is from {dbname[:60]!r}, which is not a known Wikipedia.", field=field
        )
    return wiki


def _object(event: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = event.get(key)
    if not isinstance(value, Mapping):
        raise InvalidEvent(f"The event's '{key}' must be an object.", field=key)
    return value


def _required_int(source: Mapping[str, Any], key: str, path: str) -> int:
    value = _optional_int(source, key, path)
    if value is None:
        raise InvalidEvent(f"The event has no '{path}'.", field=path)
    return value


def _namespace(source: Mapping[str, Any], key: str, path: str) -> int:
    # Namespaces may be negative (Special: is -1), unlike ids.
    value = source.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidEvent(f"The event's '{path}' must be an integer namespace.", field=path)
    return value


def _optional_int(source: Mapping[str, Any], key: str, path: str) -> int | None:
    value = source.get(key)
    if value is None:
        return None
    # bool is an int subclass; a JSON true is never a valid id or namespace.
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_REV_ID:
        raise InvalidEvent(
            f"The event's '{path}' must be a non-negative integer no larger than {MAX_REV_ID}.", field=path
        )
    return value


def _lenient_id(value: object) -> int | None:
    """An id used only to spread work (precache shards): absent or odd values are no error."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def parse_time(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)  # 3.11 reads a trailing Z
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
