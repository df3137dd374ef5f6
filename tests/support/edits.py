"""Inputs shared by the clients' tests: a page_change event and a ScoredEdit."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from revertrisk_service.scored_edits import ScoredEdit
from revertrisk_service.wikis import resolve_lang


def page_change(rev_id: int, parent_id: int, *, wiki_id: str = "enwiki") -> dict[str, Any]:
    return {
        "$schema": "/mediawiki/page/change/1.1.0",
        "meta": {"stream": "mediawiki.page_change.v1", "domain": "en.wikipedia.org",
                 "dt": "2026-11-22T10:00:00Z"},
        "dt": "2026-11-22T10:00:00Z",
        "wiki_id": wiki_id,
        "page_change_kind": "edit",
        "page": {"page_id": 1, "page_title": "Photosynthesis", "namespace_id": 0},
        "performer": {"user_text": "X", "user_is_bot": False, "groups": ["*"]},
        "revision": {"rev_id": rev_id, "rev_parent_id": parent_id},
    }


def scored_edit(rev_id: int, origin: str = "event", probability: float = 0.7) -> ScoredEdit:
    return ScoredEdit(
        model_name="revertrisk-language-agnostic",
        model_version="0.1.0-abc",
        wiki=resolve_lang("de"),
        rev_id=rev_id,
        parent_id=rev_id - 1,
        page_id=42,
        page_title="Photosynthese und Licht",
        namespace=0,
        user_text="192.0.2.1",
        user_id=0,
        is_anonymous=True,
        is_temporary=False,
        is_bot=False,
        rev_timestamp=datetime(2026, 11, 22, 10, 0, tzinfo=UTC),
        probability=probability,
        prediction=probability > 0.5,
        origin=origin,  # type: ignore[arg-type]
        scored_at=datetime(2026, 11, 22, 10, 0, 1, tzinfo=UTC),
    )
