"""A judgment as POST /v1/feedback takes it, validated field by field into a `Judgment`.

Each bad field has its own stable code, so a tool can tell its user what to fix. The wiki is
named by `lang` (as in predict requests) or by `wiki_db`, and must be a known Wikipedia.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from revertrisk_service.errors import (
    InvalidComment,
    InvalidJudgment,
    InvalidLang,
    InvalidModelName,
    InvalidRequest,
    InvalidRevId,
    InvalidReviewer,
    InvalidScore,
)
from revertrisk_service.mediawiki.types import MAX_REV_ID
from revertrisk_service.serving.requests import parse_rev_id
from revertrisk_service.wikis import Wiki, all_wikis, resolve_lang, wiki_by_dbname

# What a patroller can say about an edit. "damaging" is the training label (TRAINING-DATA
# contract); "goodfaith" is an edit that needed fixing but was made in good faith; "ok" is fine.
JUDGMENTS = ("damaging", "goodfaith", "ok")
FIELDS = frozenset(
    {"lang", "wiki_db", "rev_id", "judgment", "reviewer", "comment", "model_name", "score"}
)
MAX_REVIEWER = 255
MAX_COMMENT = 2000
MAX_MODEL_NAME = 128


class JudgmentRequest(BaseModel):
    """The body's shape for the OpenAPI document (http/routes.py). `parse_judgment` below is
    what checks it, so that each bad field gets its own code rather than pydantic's one error."""

    model_config = ConfigDict(extra="forbid")
    lang: str | None = Field(
        default=None,
        description="Wikipedia language code; or name the wiki by `wiki_db` instead.",
        json_schema_extra={"enum": sorted(w.lang for w in all_wikis())},
    )
    wiki_db: str | None = Field(
        default=None, json_schema_extra={"enum": sorted(w.dbname for w in all_wikis())}
    )
    rev_id: int = Field(ge=1, le=MAX_REV_ID)
    judgment: str = Field(json_schema_extra={"enum": list(JUDGMENTS)})
    reviewer: str = Field(min_length=1, max_length=MAX_REVIEWER)
    comment: str | None = Field(default=None, min_length=1, max_length=MAX_COMMENT)
    model_name: str | None = Field(default=None, description="A model served here.")
    score: float | None = Field(default=None, ge=0, le=1, description="The score shown.")


@dataclass(frozen=True)
class Judgment:
    wiki_db: str
    rev_id: int
    judgment: str
    reviewer: str
    tool: str
    judged_at: datetime
    comment: str | None = None
    model_name: str | None = None
    score: float | None = None


def _wiki(body: dict[str, Any]) -> Wiki:
    if "wiki_db" in body and "lang" in body:
        raise InvalidRequest("Send either 'lang' or 'wiki_db', not both.", field="wiki_db")
    if "wiki_db" in body:
        dbname = body["wiki_db"]
        wiki = wiki_by_dbname(dbname) if isinstance(dbname, str) else None
        if wiki is None:
            raise InvalidLang(
                f"Unknown wiki database {str(dbname)[:40]!r}; use a Wikipedia's database name "
                "such as \"enwiki\".",
                field="wiki_db",
            )
        return wiki
    if "lang" not in body:
        raise InvalidRequest("Name the wiki with 'lang' (\"en\") or 'wiki_db' (\"enwiki\").")
    return resolve_lang(body["lang"])


def _text(value: Any, name: str, limit: int, error: type[InvalidRequest], required: bool) -> str | None:
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > limit or "\x00" in value:
        raise error(
            f"'{name}' must be a non-empty string of at most {limit} characters.", field=name
        )
    return value.strip()


def _score(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not (
        math.isfinite(value) and 0.0 <= value <= 1.0
    ):
        raise InvalidScore("'score' must be a number from 0 to 1 (the score shown).", field="score")
    return float(value)


def parse_judgment(
    body: Any, tool: str, now: datetime, known_models: frozenset[str]
) -> Judgment:
    if not isinstance(body, dict):
        raise InvalidRequest(
            'Send a JSON object such as {"lang": "en", "rev_id": 123, "judgment": "ok", '
            '"reviewer": "Example"}.'
        )
    unknown = sorted(set(body) - FIELDS)
    if unknown:
        raise InvalidRequest(
            f"Unknown field(s) {unknown[:5]}; a judgment takes {sorted(FIELDS)}.", field=unknown[0]
        )
    wiki = _wiki(body)
    if "rev_id" not in body:
        raise InvalidRevId("'rev_id' is required.", field="rev_id")
    judgment = body.get("judgment")
    if judgment not in JUDGMENTS:
        raise InvalidJudgment(
            f"'judgment' must be one of {', '.join(JUDGMENTS)}.", field="judgment"
        )
    model_name = body.get("model_name")
    if model_name is not None and model_name not in known_models:
        raise InvalidModelName(
            f"'model_name' must be a model served here: {', '.join(sorted(known_models))}.",
            field="model_name",
        )
    return Judgment(
        wiki_db=wiki.dbname,
        rev_id=parse_rev_id(body["rev_id"]),
        judgment=judgment,
        reviewer=_text(body.get("reviewer"), "reviewer", MAX_REVIEWER, InvalidReviewer, True) or "",
        tool=tool,
        judged_at=now,
        comment=_text(body.get("comment"), "comment", MAX_COMMENT, InvalidComment, False),
        model_name=model_name,
        score=_score(body.get("score")),
    )
