"""The requests real clients send and what they read from the answers, replayed over real HTTP.

The ORES extension (PHP) and AutoModerator (PHP) cannot run here, so their behaviour is written
down from their source: exact request, retry rule, how a
status is classified, and the fields read. Each returns what that client ends up with. The
`liftwing` package and ORES's `ores.api.Session` are the real packages, used in the tests.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx

LA = "revertrisk-language-agnostic"


@dataclass(frozen=True)
class Scored:
    probability: float
    prediction: bool
    model_version: str
    attempts: int = 1


@dataclass(frozen=True)
class RevisionNotFound:
    """The ORES extension's quiet outcome: nothing stored, nothing logged as a failure."""

    message: str


@dataclass(frozen=True)
class ServiceFailure:
    status: int
    attempts: int


@dataclass(frozen=True)
class ClientError:
    """AutoModerator's outcome for a 4xx: it throws at once and does not retry."""

    status: int
    attempts: int


# --- MediaWiki ORES extension, LiftWingService -----------------------------------------------

ORES_EXTENSION_HIGHLIGHT = (0.95, 1.0)
ORES_EXTENSION_VERSION_COLUMN = 32
_MW_NO_INFO = "The MW API does not have any info related to the rev-id"


def ores_extension_fetch(
    base_url: str, rev_id: int, wiki_id: str, host: str | None = None
) -> Scored | RevisionNotFound | ServiceFailure:
    """base_url ends with a slash, as the extension's configuration does."""
    url = f"{base_url}v1/models/{LA}:predict"
    body = {"rev_id": rev_id, "lang": wiki_id.removesuffix("wiki")}
    headers = {"Content-Type": "application/json"}
    if host is not None:
        headers["Host"] = host
    attempts = 0
    while True:
        attempts += 1
        response = httpx.post(url, content=json.dumps(body), headers=headers, timeout=60)
        if response.status_code == 504 and attempts == 1:  # it retries a 504 once
            continue
        break
    if response.status_code == 400:
        payload = _json(response)
        error = payload.get("error")
        if (isinstance(error, str) and error.startswith(_MW_NO_INFO)) or "detail" in payload:
            return RevisionNotFound(str(payload.get("detail") or error))
    if not response.is_success:
        return ServiceFailure(response.status_code, attempts)
    payload = _json(response)
    if payload.get("wiki_db") != wiki_id or payload.get("revision_id") != rev_id:
        return ServiceFailure(response.status_code, attempts)
    output = payload["output"]
    probabilities = output["probabilities"]
    assert isinstance(output["prediction"], bool)
    assert abs(probabilities["true"] + probabilities["false"] - 1.0) < 1e-5
    return Scored(
        probabilities["true"],
        output["prediction"],
        str(payload["model_version"])[:ORES_EXTENSION_VERSION_COLUMN],
        attempts,
    )


def ores_extension_highlights(scored: Scored) -> bool:
    low, high = ORES_EXTENSION_HIGHLIGHT
    return low <= scored.probability <= high


# --- AutoModerator -----------------------------------------------------------------------------

AUTOMODERATOR_CAUTION_LEVELS = (0.975, 0.990)


def automoderator_fetch(base_url: str, rev_id: int, lang: str) -> float | ClientError | ServiceFailure:
    """The probability AutoModerator compares with its caution level, or what it throws."""
    url = f"{base_url.rstrip('/')}/v1/models/{LA}:predict"
    # No Content-Type header: the body is a JSON string posted as-is.
    content = json.dumps({"rev_id": rev_id, "lang": lang}).encode()
    headers = {"User-Agent": f"mediawiki.ext.AutoModerator.{lang}"}
    for attempt in (1, 2):  # other failures are retried once
        response = httpx.post(url, content=content, headers=headers, timeout=60)
        assert "content-type" not in response.request.headers
        if 400 <= response.status_code < 500:
            return ClientError(response.status_code, attempt)
        if response.is_success:
            return float(_json(response)["output"]["probabilities"]["true"])
    return ServiceFailure(response.status_code, 2)


# --- Huggle's ORES scoring -----------------------------------------------------------------------

HUGGLE_MODEL_PREFERENCE = ("damaging", "reverted", "goodfaith")


@dataclass(frozen=True)
class HuggleScore:
    model: str
    probability: float


def huggle_fetch(ores_url: str, wiki: str, rev_id: int) -> HuggleScore | str:
    """Huggle's request; the score it would show, or the error text it would log."""
    response = httpx.get(f"{ores_url.rstrip('/')}/v3/scores/{wiki}?revids={rev_id}", timeout=60)
    payload = _json(response)
    if "error" in payload:
        return str(payload["error"].get("message", payload["error"]))
    scores = payload[wiki]["scores"][str(rev_id)]
    for model in HUGGLE_MODEL_PREFERENCE:
        entry = scores.get(model)
        if entry is None:
            continue
        if "error" in entry:
            return f"{entry['error']['type']}: {entry['error']['message']}"
        probability = float(entry["score"]["probability"]["true"])
        # goodfaith's "true" is the good outcome; Huggle turns it around.
        return HuggleScore(model, 1.0 - probability if model == "goodfaith" else probability)
    return "no supported model"


def _json(response: httpx.Response) -> dict[str, Any]:
    body = response.json()
    assert isinstance(body, dict), response.text
    return body
