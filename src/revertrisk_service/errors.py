"""The service's error catalogue: every failure a client can see has a stable code and status."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ServiceError(Exception):
    """An error with a stable machine-readable code, an HTTP status and a human message.

    A subclass names its code and status where it is declared,
    `class RouteNotFound(ServiceError, code="not_found", status=404)`; one that leaves either out
    keeps its base's."""

    code: str = "internal_error"
    status: int = 500
    # Response headers to send with it (X-Cache, Retry-After, ...).
    headers: Mapping[str, str] = MappingProxyType({})

    def __init_subclass__(
        cls, code: str | None = None, status: int | None = None, **kwargs: Any
    ) -> None:
        super().__init_subclass__(**kwargs)
        if code is not None:
            cls.code = code
        if status is not None:
            cls.status = status

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


class InvalidRequest(ServiceError, code="invalid_request", status=400):
    """The request has the wrong shape or types, or misses a field."""


# One short class per stable code, so handlers and tests name each case and the README table
# maps 1:1.
class MalformedJson(InvalidRequest, code="malformed_json"):
    """The body is not JSON (or not UTF-8, has a byte order mark, NaN/Infinity, or nests
    deeper than 32 levels)."""


class InvalidLang(InvalidRequest, code="invalid_lang"):
    """An unknown language, or a database name such as `enwiki` where `en` is wanted."""


class InvalidRevId(InvalidRequest, code="invalid_rev_id"):
    """`rev_id` is not an integer from 1 to 4294967295 (MediaWiki stores revision ids as
    unsigned 32-bit integers)."""


class TooManyInstances(InvalidRequest, code="too_many_instances"):
    """A batch above MAX_BATCH_SIZE instances."""


class UnsupportedLanguage(InvalidRequest, code="unsupported_language"):
    """A real Wikipedia that this particular model does not serve."""


class InvalidEvent(InvalidRequest, code="invalid_event"):
    """An event that cannot be parsed or is not a Wikipedia edit."""


class FeatureDisabled(InvalidRequest, code="feature_disabled"):
    """`revision_data` (pre-save scoring) sent while ENABLE_PRESAVE is off."""


class RouteNotFound(ServiceError, code="not_found", status=404):
    """A path this service does not serve (KServe's V2, explain and docs routes included)."""


class MethodNotAllowed(ServiceError, code="method_not_allowed", status=405):
    """A method the path does not take (e.g. `GET …:predict`); the `Allow` header lists
    those it does."""


class TooManyRequests(ServiceError, code="too_many_requests", status=429):
    """The client already has CLIENT_CONCURRENCY_LIMIT predict requests in flight; `Retry-After`
    says when to try again."""


class PayloadTooLarge(ServiceError, code="payload_too_large", status=413):
    """A body above MAX_BODY_BYTES."""


class UnscorableRevision(ServiceError, status=400):
    """A revision that exists (or not) in a way that will not change: asking again is pointless.

    400, not 404/422: the ORES extension treats a 400 carrying `detail` as RevisionNotFound and
    skips the revision quietly, while any other status is logged as a service failure (Lift Wing
    answers these with 422). Every other client handles a 400 like a 422; `code` tells them apart.
    """


class RevisionNotFound(UnscorableRevision, code="revision_not_found"):
    """MediaWiki does not know the revision (or it was deleted)."""


class ParentRevisionMissing(UnscorableRevision, code="parent_revision_missing"):
    """The revision created its page: there is nothing to compare it with."""


class RevisionInfoDeleted(UnscorableRevision, code="revision_info_deleted"):
    """The revision's or its parent's text is hidden."""


class UnsupportedContentModel(UnscorableRevision, code="unsupported_content_model"):
    """The page is not wikitext (JSON, CSS, Lua, ...)."""


class UpstreamUnavailable(ServiceError, code="mediawiki_unavailable", status=502):
    """MediaWiki unreachable, answering 5xx, 429 or maxlag beyond the retries, or not JSON."""


class UpstreamTimeout(ServiceError, code="mediawiki_timeout", status=504):
    """MediaWiki too slow, after the retries that fit within MEDIAWIKI_DEADLINE_S."""


class InvalidThresholdQuery(InvalidRequest, code="invalid_threshold_query"):
    """A threshold optimisation query that does not follow the ORES-style grammar."""


class InvalidExplainOption(InvalidRequest, code="invalid_explain"):
    """`explain` not `true` or `false`, or `explain_top` not an integer from 1 to 500 (in the body
    or the query string)."""


class InvalidCautionLevel(InvalidRequest, code="invalid_caution_level"):
    """A caution level that is not one of the named levels, asked together with a threshold
    query, or `caution_levels` in a predict body that is not `true` or `false`."""


class ModelNotFound(ServiceError, code="model_not_found", status=404):
    """A model name that this deployment does not serve."""


class ScoringFailed(ServiceError, code="scoring_failed", status=500):
    """The model raised while scoring (logged with its traceback)."""


class ModelArtifactError(ServiceError, code="model_artifact_error", status=500):
    """A shipped model's files are missing, unreadable or disagree with the running code."""


class EvaluationNotAvailable(ServiceError, code="evaluation_not_available", status=404):
    """A served model whose threshold statistics have not been computed (no thresholds.json)."""


class FeedbackDisabled(ServiceError, code="feature_disabled", status=404):
    """Feedback asked for on a deployment without FEEDBACK_TOKENS_FILE: the route is off here
    (404, as for any endpoint a deployment does not offer), with the code pre-save scoring uses."""


class Unauthorized(ServiceError, code="unauthorized", status=401):
    """A write (feedback) without a bearer token, or with one the operator did not configure."""

    headers: Mapping[str, str] = MappingProxyType({"WWW-Authenticate": 'Bearer realm="feedback"'})


# One class per feedback field's code, as in the catalogue above, so each 400 names the field a
# client must fix.
class InvalidJudgment(InvalidRequest, code="invalid_judgment"):
    """A feedback `judgment` other than `damaging`, `goodfaith` or `ok` (the field is named
    in `field`)."""


class InvalidReviewer(InvalidRequest, code="invalid_reviewer"):
    """A feedback `reviewer` missing, empty or too long (`field` names it)."""


class InvalidComment(InvalidRequest, code="invalid_comment"):
    """A feedback `comment` that is not a short string (`field` names it)."""


class InvalidScore(InvalidRequest, code="invalid_score"):
    """A feedback `score` that is not a number from 0 to 1 (`field` names it)."""


class InvalidModelName(InvalidRequest, code="invalid_model_name"):
    """A feedback `model_name` that is not a model served here (`field` names it)."""


class FeedbackRateLimited(ServiceError, code="feedback_rate_limited", status=429):
    """One tool's token sent judgments faster than FEEDBACK_RATE_PER_MINUTE allows; `Retry-After`
    says when to try again."""


class FeedbackUnavailable(ServiceError, code="feedback_unavailable", status=503):
    """The feedback database cannot be reached or refused the write; nothing was kept."""


class OutcomesUnavailable(ServiceError, code="outcomes_unavailable", status=503):
    """The outcome database cannot be reached; observed quality cannot be read just now."""


class OutcomesDisabled(ServiceError, code="feature_disabled", status=404):
    """This deployment does not track outcomes (OUTCOMES_ENABLED is off)."""


class InvalidQualityQuery(InvalidRequest, code="invalid_quality_query"):
    """A quality query's filter (wiki, editor, since, until, version) is not usable."""


# Model versions: the registry, its aliases, the promotion gate and retraining.
class RegistryNotConfigured(ServiceError, code="registry_not_configured", status=409):
    """Model versions asked for where MODEL_REGISTRY_DIR is not set."""


class VersionNotFound(ModelArtifactError, code="version_not_found", status=404):
    """A version name that is not installed in the registry."""


class NothingToRollBack(ServiceError, code="nothing_to_roll_back", status=409):
    """A rollback with no earlier champion recorded to go back to."""


class NoChallenger(ServiceError, code="no_challenger", status=409):
    """A promotion or comparison of a model that has no challenger."""


class GateRefused(ServiceError, code="promotion_refused", status=409):
    """A promotion the gate refuses (its evidence does not show the challenger at least as
    good), unforced."""


class ReasonRequired(ServiceError, code="reason_required", status=400):
    """A forced promotion without a reason for the record."""


class NothingToTrainOn(ServiceError, code="nothing_to_train_on", status=400):
    """A retraining with no rows to learn from: no dataset, no feedback export, no decided
    outcome; or a model name that is not served."""


class CachedError(ServiceError):
    """A negative answer replayed from the score cache with its original code and status."""

    def __init__(self, code: str, status: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.status = status
