"""The service's error catalogue: every failure a client can see has a stable code and status."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ServiceError(Exception):
    """An error with a stable machine-readable code, an HTTP status and a human message."""

    code: str = "internal_error"
    status: int = 500
    # Response headers to send with it (X-Cache, Retry-After, ...).
    headers: Mapping[str, str] = MappingProxyType({})

    def with_headers(self, headers: Mapping[str, str]) -> ServiceError:
        """A copy carrying extra response headers; the original may be shared between requests."""
        clone = self.__class__.__new__(self.__class__)
        clone.__dict__.update(self.__dict__)
        clone.args = self.args
        clone.headers = {**self.headers, **headers}
        return clone

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def to_dict(self) -> dict[str, Any]:
        return error_body(self.code, self.message, **self.details)


class ErrorBody(BaseModel):
    """The one shape of every error answer: `error` and `detail` carry the same human message,
    `code` the stable machine-readable one. `detail` is where Lift Wing (FastAPI HTTPException)
    puts its message; clients written for Lift Wing, such as the ORES extension, look for it.
    Some errors add fields of their own after these (`field`, `limit`, `supported_langs`)."""

    model_config = ConfigDict(extra="allow")

    error: str = Field(description="Human message.")
    code: str = Field(description="Stable machine-readable code.")
    detail: str = Field(description="Same as `error` (Lift Wing's key).")


def error_body(code: str, message: str, **details: Any) -> dict[str, Any]:
    return ErrorBody(error=message, code=code, detail=message, **details).model_dump()


class InvalidRequest(ServiceError):
    """The request has the wrong shape or types, or misses a field."""

    code = "invalid_request"
    status = 400


# One short class per stable code, so handlers and tests name each case and the README table
# maps 1:1.
class MalformedJson(InvalidRequest):
    """The body is not JSON (or not UTF-8, has a byte order mark, NaN/Infinity, or nests
    deeper than 32 levels)."""

    code = "malformed_json"


class InvalidLang(InvalidRequest):
    """An unknown language, or a database name such as `enwiki` where `en` is wanted."""

    code = "invalid_lang"


class InvalidRevId(InvalidRequest):
    """`rev_id` is not an integer from 1 to 4294967295 (MediaWiki stores revision ids as
    unsigned 32-bit integers)."""

    code = "invalid_rev_id"


class TooManyInstances(InvalidRequest):
    """A batch above MAX_BATCH_SIZE instances."""

    code = "too_many_instances"


class UnsupportedLanguage(InvalidRequest):
    """A real Wikipedia that this particular model does not serve."""

    code = "unsupported_language"


class InvalidEvent(InvalidRequest):
    """An event that cannot be parsed or is not a Wikipedia edit."""

    code = "invalid_event"


class FeatureDisabled(InvalidRequest):
    """`revision_data` (pre-save scoring) sent while ENABLE_PRESAVE is off."""

    code = "feature_disabled"


class RouteNotFound(ServiceError):
    """A path this service does not serve (KServe's V2, explain and docs routes included)."""

    code = "not_found"
    status = 404


class MethodNotAllowed(ServiceError):
    """A method the path does not take (e.g. `GET …:predict`); the `Allow` header lists
    those it does."""

    code = "method_not_allowed"
    status = 405


class TooManyRequests(ServiceError):
    """The client already has CLIENT_CONCURRENCY_LIMIT predict requests in flight; `Retry-After`
    says when to try again."""

    code = "too_many_requests"
    status = 429


class PayloadTooLarge(ServiceError):
    """A body above MAX_BODY_BYTES."""

    code = "payload_too_large"
    status = 413


class UnscorableRevision(ServiceError):
    """A revision that exists (or not) in a way that will not change: asking again is pointless.

    400, not 404/422: the ORES extension treats a 400 carrying `detail` as RevisionNotFound and
    skips the revision quietly, while any other status is logged as a service failure (Lift Wing
    answers these with 422). Every other client handles a 400 like a 422; `code` tells them apart.
    """

    status = 400


class RevisionNotFound(UnscorableRevision):
    """MediaWiki does not know the revision (or it was deleted)."""

    code = "revision_not_found"


class ParentRevisionMissing(UnscorableRevision):
    """The revision created its page: there is nothing to compare it with."""

    code = "parent_revision_missing"


class RevisionInfoDeleted(UnscorableRevision):
    """The revision's or its parent's text is hidden."""

    code = "revision_info_deleted"


class UnsupportedContentModel(UnscorableRevision):
    """The page is not wikitext (JSON, CSS, Lua, ...)."""

    code = "unsupported_content_model"


class UpstreamUnavailable(ServiceError):
    """MediaWiki unreachable, answering 5xx, 429 or maxlag beyond the retries, or not JSON."""

    code = "mediawiki_unavailable"
    status = 502


class UpstreamTimeout(ServiceError):
    """MediaWiki too slow, after the retries that fit within MEDIAWIKI_DEADLINE_S."""

    code = "mediawiki_timeout"
    status = 504


class InvalidThresholdQuery(InvalidRequest):
    """A threshold optimisation query that does not follow the ORES-style grammar."""

    code = "invalid_threshold_query"


class InvalidExplainOption(InvalidRequest):
    """`explain` not `true` or `false`, or `explain_top` not an integer from 1 to 500 (in the body
    or the query string)."""

    code = "invalid_explain"


class InvalidCautionLevel(InvalidRequest):
    """A caution level that is not one of the named levels, asked together with a threshold
    query, or `caution_levels` in a predict body that is not `true` or `false`."""

    code = "invalid_caution_level"


class ModelNotFound(ServiceError):
    """A model name that this deployment does not serve."""

    code = "model_not_found"
    status = 404


class ScoringFailed(ServiceError):
    """The model raised while scoring (logged with its traceback)."""

    code = "scoring_failed"
    status = 500


class ModelArtifactError(ServiceError):
    """A shipped model's files are missing, unreadable or disagree with the running code."""

    code = "model_artifact_error"
    status = 500


class EvaluationNotAvailable(ServiceError):
    """A served model whose threshold statistics have not been computed (no thresholds.json)."""

    code = "evaluation_not_available"
    status = 404


class FeedbackDisabled(ServiceError):
    """Feedback asked for on a deployment without FEEDBACK_TOKENS_FILE: the route is off here
    (404, as for any endpoint a deployment does not offer), with the code pre-save scoring uses."""

    code = "feature_disabled"
    status = 404


class Unauthorized(ServiceError):
    """A write (feedback) without a bearer token, or with one the operator did not configure."""

    code = "unauthorized"
    status = 401
    headers: Mapping[str, str] = MappingProxyType({"WWW-Authenticate": 'Bearer realm="feedback"'})


# One class per feedback field's code, as in the catalogue above, so each 400 names the field a
# client must fix.
class InvalidJudgment(InvalidRequest):
    """A feedback `judgment` other than `damaging`, `goodfaith` or `ok` (the field is named
    in `field`)."""

    code = "invalid_judgment"


class InvalidReviewer(InvalidRequest):
    """A feedback `reviewer` missing, empty or too long (`field` names it)."""

    code = "invalid_reviewer"


class InvalidComment(InvalidRequest):
    """A feedback `comment` that is not a short string (`field` names it)."""

    code = "invalid_comment"


class InvalidScore(InvalidRequest):
    """A feedback `score` that is not a number from 0 to 1 (`field` names it)."""

    code = "invalid_score"


class InvalidModelName(InvalidRequest):
    """A feedback `model_name` that is not a model served here (`field` names it)."""

    code = "invalid_model_name"


class FeedbackRateLimited(ServiceError):
    """One tool's token sent judgments faster than FEEDBACK_RATE_PER_MINUTE allows; `Retry-After`
    says when to try again."""

    code = "feedback_rate_limited"
    status = 429


class FeedbackUnavailable(ServiceError):
    """The feedback database cannot be reached or refused the write; nothing was kept."""

    code = "feedback_unavailable"
    status = 503


class OutcomesUnavailable(ServiceError):
    """The outcome database cannot be reached; observed quality cannot be read just now."""

    code = "outcomes_unavailable"
    status = 503


class OutcomesDisabled(ServiceError):
    """This deployment does not track outcomes (OUTCOMES_ENABLED is off)."""

    code = "feature_disabled"
    status = 404


class InvalidQualityQuery(InvalidRequest):
    """A quality query's filter (wiki, editor, since, until, version) is not usable."""

    code = "invalid_quality_query"


class CachedError(ServiceError):
    """A negative answer replayed from the score cache with its original code and status."""

    def __init__(self, code: str, status: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.status = status
