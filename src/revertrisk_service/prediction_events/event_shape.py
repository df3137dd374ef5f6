"""A score as a `mediawiki/page/prediction_classification_change` event, as Lift Wing emits it.

Lift Wing copies the page, revision and performer of the page_change event it scored and adds
`predicted_classification`; here they come from the revision the service fetched, which carries
the same facts for edits in the stream and for edits scored on request.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from revertrisk_service.scored_edits import ScoredEdit

SCHEMA = "/mediawiki/page/prediction_classification_change/1.1.0"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def prediction_event(edit: ScoredEdit, stream: str) -> dict[str, Any]:
    title = edit.page_title.replace(" ", "_")
    performer: dict[str, Any] = {
        "user_id": edit.user_id,
        "user_is_bot": edit.is_bot,
        "user_is_temp": edit.is_temporary,
    }
    if edit.user_text is not None:  # a suppressed editor's name is left out, as in page_change
        performer["user_text"] = edit.user_text
    return {
        "$schema": SCHEMA,
        "meta": {
            "stream": stream,
            "id": str(uuid.uuid4()),
            "dt": _iso(edit.scored_at),
            "domain": edit.wiki.host,
            "uri": f"https://{edit.wiki.host}/wiki/{quote(title)}",
        },
        "dt": _iso(edit.scored_at),
        "wiki_id": edit.wiki.dbname,
        "page": {
            "page_id": edit.page_id,
            "page_title": title,
            "namespace_id": edit.namespace,
        },
        "revision": {
            "rev_id": edit.rev_id,
            "rev_parent_id": edit.parent_id,
            "rev_dt": _iso(edit.rev_timestamp),
        },
        "performer": performer,
        "predicted_classification": {
            "model_name": edit.model_name,
            "model_version": edit.model_version,
            # Lift Wing lists the labels predicted; revert risk has one, "true" (reverted).
            "predictions": ["true"] if edit.prediction else [],
            "probabilities": {
                "true": edit.probability,
                "false": round(1.0 - edit.probability, 6),
            },
        },
    }
