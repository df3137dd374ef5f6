"""Schemathesis against the real server, driven by the server's own OpenAPI document.

Fixed seed (derandomized) and a bounded number of examples per operation, positive and negative
inputs: no answer may be a 5xx, every status must be documented, and every body must match the
document (a score, the batch shape, or `{error, code, detail}`).
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from revertrisk_devtools.flaky_api import FlakyApi, running
from revertrisk_devtools.service_process import RunningService, run_service
from revertrisk_service.http.openapi import openapi_document
from revertrisk_service.http.routes import delegated

pytestmark = pytest.mark.e2e

MAX_EXAMPLES = 40
MODEL = "revertrisk-language-agnostic"
MAX_BATCH_SIZE = 20
# Built by the function the server serves /openapi.json from, at import time, because
# schemathesis' fixture-based loader does not work with pytest 9; a test below checks that the
# served document is this one.
DOCUMENT = openapi_document([MODEL], max_batch_size=MAX_BATCH_SIZE, presave_enabled=False)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def fuzz_wiki() -> Iterator[FlakyApi]:
    with running() as api:
        yield api


@pytest.fixture(scope="module")
def fuzz_service(
    fuzz_wiki: FlakyApi, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningService]:
    logs = tmp_path_factory.mktemp("fuzz-logs")
    # Feedback on (a SQLite file), so its routes answer as configured: the fuzzer holds no token.
    (logs / "tokens").write_text(f"fuzz {'0' * 64}\n")
    env = {
        "FEEDBACK_TOKENS_FILE": str(logs / "tokens"),
        "FEEDBACK_DATABASE_URL": f"sqlite:///{logs / 'feedback.sqlite3'}",
        "WIKI_URL": fuzz_wiki.url,
        "MODELS": MODEL,
        "MAX_BATCH_SIZE": str(MAX_BATCH_SIZE),
        # The fuzzer sends one request at a time, so the per-client limit never applies.
        "MEDIAWIKI_DEADLINE_S": "5",
    }
    with run_service(env, logs) as service:
        yield service


schema = schemathesis.openapi.from_dict(DOCUMENT)
schema.config.generation.update(
    modes=["positive", "negative"],
    max_examples=MAX_EXAMPLES,
    deterministic=True,
    database="none",
)


def test_served_document_is_the_fuzzed_one(fuzz_service: RunningService) -> None:
    served = httpx.get(f"{fuzz_service.base_url}/openapi.json").json()
    # Less the ORES and patrol routers, which answer in their own shapes (and a live stream).
    own = {path: ops for path, ops in served["paths"].items() if not delegated(path)}
    assert own == DOCUMENT["paths"]
    assert {k: v for k, v in served.items() if k not in {"paths", "components"}} == {
        k: v for k, v in DOCUMENT.items() if k not in {"paths", "components"}}
    for name, schema_ in DOCUMENT["components"]["schemas"].items():
        assert served["components"]["schemas"][name] == schema_


@schema.parametrize()
def test_every_answer_is_documented_and_never_a_server_error(
    case, fuzz_service: RunningService
) -> None:
    case.call_and_validate(base_url=fuzz_service.base_url, checks=CHECKS, timeout=30)


def test_fuzzing_left_no_traceback(fuzz_service: RunningService) -> None:
    # Runs after the fuzz cases of this module.
    assert "Traceback" not in fuzz_service.log(), fuzz_service.log()[-3000:]
