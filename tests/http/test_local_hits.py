"""http.local_hits: a single-revision predict whose score the replica holds in memory is
answered at the door, with KServe's bytes and counters; every other request reaches the layers
behind it with its body intact. In process, with the real language-agnostic model and a real
memory cache; the real server is covered in tests/e2e/test_e2e_local_hits.py."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from prometheus_client import REGISTRY

from revertrisk_service.cache import MemoryScoreCache, score_cache_key
from revertrisk_service.config import Settings
from revertrisk_service.http.local_hits import MAX_HELD_REQUEST_BYTES, LocalHits
from revertrisk_service.model_table import LANGUAGE_AGNOSTIC
from revertrisk_service.models.language_agnostic.model import LanguageAgnosticModel
from revertrisk_service.scoring.cache_layer import CacheLayer, CacheSettings
from revertrisk_service.scoring.prediction import prediction_body
from revertrisk_service.scoring.revision_scoring import RevisionScoring
from revertrisk_service.scoring.scoring_pool import ThreadScoring
from revertrisk_service.serving.model import RevertRiskModel

SCORER = LanguageAgnosticModel.load(Settings().model_dir(LANGUAGE_AGNOSTIC))
PATH = f"/v1/models/{LANGUAGE_AGNOSTIC}:predict"
HELD_REV = 4242
NEGATIVE_REV = 4343


class NoFetcher:
    """Nothing here may reach MediaWiki: a held score needs no fetch."""

    async def fetch_edits(self, requests: list) -> list:
        raise AssertionError(f"fetched {requests}")


class Downstream:
    """The layers behind LocalHits: records what reached them and answers 299."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        self.bodies.append(b"".join(chunks))
        await send({"type": "http.response.start", "status": 299, "headers": []})
        await send({"type": "http.response.body", "body": b"downstream"})


@pytest.fixture
async def layer() -> tuple[LocalHits, Downstream, dict]:
    cache = MemoryScoreCache(100)
    held = prediction_body(SCORER.name, SCORER.version, "enwiki", HELD_REV, 0.25)
    await cache.set_many([
        (score_cache_key(SCORER.name, SCORER.version, "enwiki", HELD_REV), held, 60),
        (score_cache_key(SCORER.name, SCORER.version, "enwiki", NEGATIVE_REV),
         {"error": {"code": "revision_not_found", "status": 404, "message": "gone"}}, 60),
    ])  # fmt: skip
    layer = CacheLayer(cache, CacheSettings(ttl_s=60, negative_ttl_s=60))
    model = RevertRiskModel.with_scorer(
        SCORER,
        RevisionScoring(NoFetcher(), ThreadScoring(1), layer),
        max_batch_size=50,
        presave_enabled=False,
    )
    downstream = Downstream()
    return LocalHits(downstream, {SCORER.name: model}), downstream, held


async def ask(
    app: LocalHits,
    body: bytes,
    *,
    path: str = PATH,
    method: str = "POST",
    query: bytes = b"",
    headers: list[tuple[bytes, bytes]] | None = None,
    chunks: int = 1,
) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    size = max(1, -(-len(body) // chunks))
    parts = [body[i : i + size] for i in range(0, len(body), size)] or [b""]
    messages = [
        {"type": "http.request", "body": part, "more_body": i < len(parts) - 1}
        for i, part in enumerate(parts)
    ]

    async def receive() -> dict:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    sent: list[dict] = []

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {
        "type": "http", "method": method, "path": path, "query_string": query,
        "headers": [(b"content-type", b"application/json"), *(headers or [])],
    }  # fmt: skip
    await app(scope, receive, send)
    start, *rest = sent
    return start["status"], start["headers"], b"".join(m.get("body", b"") for m in rest)


def counted(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def single(rev_id: int = HELD_REV, **extra: object) -> bytes:
    return orjson.dumps({"lang": "en", "rev_id": rev_id, **extra})


async def test_a_held_score_is_answered_with_kserves_bytes_and_counters(layer) -> None:
    app, downstream, held = layer
    labels = {"model": SCORER.name}
    hits = counted("revertrisk_score_cache_lookups_total", **labels, outcome="hit")
    ok = counted("revertrisk_revisions_total", **labels, outcome="ok")
    status, headers, body = await ask(app, single())
    assert downstream.bodies == []
    assert status == 200
    # The order KServe's ORJSONResponse gives them (Starlette: given headers, then its own).
    assert headers == [
        (b"x-cache", b"hit"),
        (b"x-cache-hits", b"1/1"),
        (b"content-length", str(len(body)).encode()),
        (b"content-type", b"application/json"),
    ]
    assert body == orjson.dumps(held, option=orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY)
    assert counted("revertrisk_score_cache_lookups_total", **labels, outcome="hit") == hits + 1
    assert counted("revertrisk_revisions_total", **labels, outcome="ok") == ok + 1


@pytest.mark.parametrize(
    ("case", "request_kwargs"),
    [
        ("not held", {"body": single(HELD_REV + 1)}),
        ("negative entry: the full path shapes its error", {"body": single(NEGATIVE_REV)}),
        ("any query string (refresh, explain)", {"body": single(), "query": b"refresh=false"}),
        ("refresh header", {"body": single(), "headers": [(b"cache-control", b"no-cache")]}),
        ("explanation asked in the body", {"body": single(explain=True)}),
        (
            "explanation asked in a header",
            {"body": single(), "headers": [(b"x-revertrisk-explain", b"true")]},
        ),
        ("bad explain value: the full path answers 400", {"body": single(explain="x")}),
        ("CloudEvent headers", {"body": single(), "headers": [(b"ce-id", b"1")]}),
        ("batch", {"body": orjson.dumps({"instances": [{"lang": "en", "rev_id": HELD_REV}]})}),
        ("event", {"body": orjson.dumps({"event": {"database": "enwiki", "rev_id": HELD_REV}})}),
        ("invalid lang", {"body": orjson.dumps({"lang": "enwiki", "rev_id": HELD_REV})}),
        ("invalid rev_id", {"body": orjson.dumps({"lang": "en", "rev_id": "x"})}),
        ("malformed JSON", {"body": b"{not json"}),
        ("body in two chunks", {"body": single(), "chunks": 2}),
        ("body over the bound", {"body": single(pad="x" * MAX_HELD_REQUEST_BYTES)}),
        ("GET", {"body": b"", "method": "GET"}),
        ("unknown model", {"body": single(), "path": "/v1/models/nope:predict"}),
        ("other path", {"body": single(), "path": f"/v1/models/{LANGUAGE_AGNOSTIC}"}),
    ],
)
async def test_everything_else_reaches_the_layers_behind_with_its_body(
    layer, case: str, request_kwargs: dict
) -> None:
    app, downstream, _ = layer
    hits = counted("revertrisk_score_cache_lookups_total", model=SCORER.name, outcome="hit")
    status, _, answer = await ask(app, **request_kwargs)
    assert (status, answer) == (299, b"downstream"), case
    assert downstream.bodies == [request_kwargs["body"]], case
    # Counting is left to the full path, which looks the revision up itself.
    assert counted("revertrisk_score_cache_lookups_total", model=SCORER.name, outcome="hit") == hits


async def test_a_failure_in_the_layer_falls_back_to_the_full_path(
    layer, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    app, downstream, _ = layer

    def broken(*_: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(app.models[SCORER.name], "answer_held", broken)
    status, _, _ = await ask(app, single())
    assert status == 299
    assert downstream.bodies == [single()]
    assert "takes the full path" in caplog.text
