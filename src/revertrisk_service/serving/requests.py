"""Parses the predict body (Lift Wing's shapes) into revisions to score, rejecting bad input early.

Shapes accepted:
- single:   {"lang": "en", "rev_id": 123}
- batch:    {"instances": [{"lang": "en", "rev_id": 123}, ...]}  (mixed languages allowed)
- event:    {"event": <mediawiki.page_change.v1 | mediawiki.revision-create | recentchange>}
- pre-save: {"revision_data": {...}}  (only when ENABLE_PRESAVE is on; see presave.py)

The pydantic models below declare these shapes for the OpenAPI document; parsing is done by hand
so that each mistake gets its own error code and message (errors.py), which pydantic's
validation errors would not give.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, create_model

from revertrisk_service.errors import (
    FeatureDisabled,
    InvalidRequest,
    InvalidRevId,
    ServiceError,
    TooManyInstances,
)
from revertrisk_service.explanations.options import DEFAULT_TOP, MAX_TOP
from revertrisk_service.mediawiki.types import MAX_REV_ID
from revertrisk_service.serving.presave import PresaveRevision
from revertrisk_service.wikis import Wiki, all_wikis, resolve_lang

RequestKind = Literal["single", "batch", "event", "presave"]


class Explainable(BaseModel):
    """Options beside any request shape (read by explanations.options, not per batch instance)."""

    explain: bool = Field(
        default=False,
        description="Add `output.explanation` to each score: SHAP contributions in log-odds.",
    )
    explain_top: int = Field(
        default=DEFAULT_TOP, ge=1, le=MAX_TOP, description="How many contributions to list."
    )
    caution_levels: bool = Field(
        default=False,
        description="Add `output.caution_levels`: for each caution level, whether the score is at "
        "or above the answering version's own threshold for it (null where none reaches it).",
    )


class Instance(BaseModel):
    lang: str = Field(
        description="Wikipedia language code (aliases such as `nb` are accepted too).",
        json_schema_extra={"enum": sorted(w.lang for w in all_wikis())},
    )
    rev_id: int = Field(ge=1, le=MAX_REV_ID)


class SingleRequest(Instance, Explainable):
    pass


class EventRequest(Explainable):
    event: dict[str, Any] = Field(
        description="A mediawiki.page_change.v1, mediawiki.revision-create or recentchange "
        "event announcing the edit."
    )


class PresaveRequest(Explainable):
    revision_data: PresaveRevision


def request_shapes(*, max_batch_size: int, presave_enabled: bool) -> list[type[BaseModel]]:
    """The bodies that a predict request may have on this deployment."""
    batch = create_model(
        "BatchRequest",
        __base__=Explainable,
        instances=(
            Annotated[list[Instance], Field(min_length=1, max_length=max_batch_size)],
            ...,
        ),
    )
    shapes: list[type[BaseModel]] = [SingleRequest, batch, EventRequest]
    return [*shapes, PresaveRequest] if presave_enabled else shapes


@dataclass(frozen=True)
class RevisionRef:
    wiki: Wiki
    rev_id: int


@dataclass(frozen=True)
class RejectedInstance:
    """A batch instance that failed validation: reported in `errors`, the rest still scored."""

    raw_lang: object
    raw_rev_id: object
    error: ServiceError


@dataclass(frozen=True)
class ParsedRequest:
    kind: RequestKind
    items: list[RevisionRef | RejectedInstance]
    presave: dict[str, Any] | None = None


def parse_rev_id(value: object) -> int:
    # bool is an int subclass in Python; JSON true must not become revision 1.
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidRevId(
            f"'rev_id' must be a positive integer, got {type(value).__name__} "
            f"{str(value)[:40]!r}.",
            field="rev_id",
        )
    if not 0 < value <= MAX_REV_ID:
        shown = str(value) if value.bit_length() < 128 else f"a {value.bit_length()}-bit integer"
        raise InvalidRevId(
            f"'rev_id' must be a positive integer no larger than {MAX_REV_ID} (MediaWiki's "
            f"largest revision id), got {shown}.",
            field="rev_id",
        )
    return value


def parse_instance(instance: object) -> RevisionRef:
    if not isinstance(instance, dict):
        raise InvalidRequest(
            'Each request must be a JSON object like {"lang": "en", "rev_id": 12345}.'
        )
    missing = [k for k in ("lang", "rev_id") if k not in instance]
    if missing:
        raise InvalidRequest(
            f"Missing field(s) {missing}: send {{\"lang\": \"en\", \"rev_id\": 12345}}.",
            field=missing[0],
        )
    wiki = resolve_lang(instance["lang"])
    return RevisionRef(wiki=wiki, rev_id=parse_rev_id(instance["rev_id"]))


def parse_request(
    body: object, *, max_batch_size: int, presave_enabled: bool
) -> ParsedRequest:
    if not isinstance(body, dict):
        raise InvalidRequest(
            "The request body must be a JSON object: "
            '{"lang": "en", "rev_id": 12345} or {"instances": [...]}.'
        )
    if "instances" in body:
        return _parse_batch(body["instances"], max_batch_size)
    if "event" in body:
        return ParsedRequest(kind="event", items=[_parse_event(body["event"])])
    if "revision_data" in body:
        if not presave_enabled:
            raise FeatureDisabled(
                "Pre-save scoring ('revision_data') is disabled on this server; "
                "operators enable it with ENABLE_PRESAVE=true."
            )
        if not isinstance(body["revision_data"], dict):
            raise InvalidRequest("'revision_data' must be a JSON object.", field="revision_data")
        return ParsedRequest(kind="presave", items=[], presave=body["revision_data"])
    return ParsedRequest(kind="single", items=[parse_instance(body)])


def _parse_batch(instances: object, max_batch_size: int) -> ParsedRequest:
    if not isinstance(instances, list) or not instances:
        raise InvalidRequest("'instances' must be a non-empty list.", field="instances")
    if len(instances) > max_batch_size:
        raise TooManyInstances(
            f"A batch may hold at most {max_batch_size} instances; got {len(instances)}. "
            "Split it into several requests.",
            limit=max_batch_size,
        )
    items: list[RevisionRef | RejectedInstance] = []
    for instance in instances:
        try:
            items.append(parse_instance(instance))
        except ServiceError as error:
            raw = instance if isinstance(instance, dict) else {}
            items.append(RejectedInstance(raw.get("lang"), raw.get("rev_id"), error))
    return ParsedRequest(kind="batch", items=items)


def _parse_event(event: object) -> RevisionRef:
    from revertrisk_service.events import parse_event

    if not isinstance(event, dict):
        raise InvalidRequest("'event' must be a JSON object.", field="event")
    parsed = parse_event(event)
    return RevisionRef(wiki=parsed.wiki, rev_id=parsed.rev_id)
