"""The OpenAPI document of what this service really serves, at GET /openapi.json.

KServe's generated document describes its generic V1/V2 routes with untyped bodies; this one
describes the request shapes, limits, answers and error shape of this deployment, so that
clients and the schemathesis suite in `make test` can rely on it.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from revertrisk_service import __version__
from revertrisk_service.config import Settings
from revertrisk_service.explanations.options import DEFAULT_TOP, MAX_TOP
from revertrisk_service.mediawiki.types import MAX_REV_ID
from revertrisk_service.wikis import all_wikis

OPENAPI_PATH = "/openapi.json"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*statuses: int) -> dict[str, Any]:
    return {str(s): {"$ref": f"#/components/responses/Error{s}"} for s in statuses}


_ERROR_MEANINGS = {
    400: "Bad input, or a revision that cannot be scored (not found, page creation, hidden text, "
    "not wikitext): see `code`.",
    404: "No such model, route or evaluation.",
    405: "Method not allowed on this path.",
    413: "Request body above MAX_BODY_BYTES.",
    429: "CLIENT_CONCURRENCY_LIMIT requests of this client already in flight.",
    500: "Scoring or model files failed (no traceback is sent).",
    502: "MediaWiki unreachable or answering errors.",
    503: "Model not ready.",
    504: "MediaWiki too slow within the deadline.",
}


# Explanation options, accepted beside the single, batch and event shapes (explanations.options).
EXPLAIN_PROPERTIES: dict[str, Any] = {
    "explain": {
        "type": "boolean",
        "description": "Add output.explanation (SHAP contributions in log-odds) to each score.",
    },
    "explain_top": {"type": "integer", "minimum": 1, "maximum": MAX_TOP, "default": DEFAULT_TOP},
}
EXPLANATION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "base_value + the contributions + others = the model's log-odds.",
    "required": ["base_value", "contributions", "others"],
    "properties": {
        "base_value": {"type": "number"},
        "others": {"type": "number"},
        "contributions": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["signal", "value", "contribution", "description"],
                "properties": {
                    "signal": {"type": "string"},
                    "value": {"type": ["number", "string", "null"]},
                    "contribution": {"type": "number"},
                    "description": {"type": "string"},
                },
            },
        },
    },
}


def _schemas(max_batch_size: int, presave_enabled: bool) -> dict[str, Any]:
    single = {
        "type": "object",
        "required": ["lang", "rev_id"],
        "properties": {
            "lang": {
                "type": "string",
                "description": "Wikipedia language code (aliases such as `nb` are accepted too).",
                "enum": sorted(w.lang for w in all_wikis()),
            },
            "rev_id": {"type": "integer", "minimum": 1, "maximum": MAX_REV_ID},
            **EXPLAIN_PROPERTIES,
        },
    }
    schemas: dict[str, Any] = {
        "SingleRequest": single,
        "BatchRequest": {
            "type": "object",
            "required": ["instances"],
            "properties": {
                "instances": {
                    "type": "array",
                    "minItems": 1,
                    "maxItems": max_batch_size,
                    "items": _ref("SingleRequest"),
                },
                **EXPLAIN_PROPERTIES,
            },
        },
        "EventRequest": {
            "type": "object",
            "required": ["event"],
            "properties": {
                "event": {
                    "type": "object",
                    "description": "A mediawiki.page_change.v1, mediawiki.revision-create or "
                    "recentchange event announcing the edit.",
                },
                **EXPLAIN_PROPERTIES,
            },
        },
        "Error": {
            "type": "object",
            "required": ["error", "code", "detail"],
            "properties": {
                "error": {"type": "string", "description": "Human message."},
                "code": {"type": "string", "description": "Stable machine-readable code."},
                "detail": {"type": "string", "description": "Same as `error` (Lift Wing)."},
            },
        },
        "Prediction": {
            "type": "object",
            "required": ["model_name", "model_version", "wiki_db", "revision_id", "output"],
            "properties": {
                "model_name": {"type": "string"},
                "model_version": {"type": "string"},
                "wiki_db": {"type": "string"},
                "revision_id": {"type": "integer"},
                "output": {
                    "type": "object",
                    "required": ["prediction", "probabilities"],
                    "properties": {
                        "prediction": {"type": "boolean"},
                        "probabilities": {
                            "type": "object",
                            "required": ["true", "false"],
                            "properties": {
                                "true": {"type": "number", "minimum": 0, "maximum": 1},
                                "false": {"type": "number", "minimum": 0, "maximum": 1},
                            },
                        },
                        "explanation": EXPLANATION_SCHEMA,
                    },
                },
            },
        },
        "BatchError": {
            "allOf": [
                _ref("Error"),
                {
                    "type": "object",
                    "required": ["index", "status"],
                    "properties": {
                        "index": {"type": "integer", "minimum": 0},
                        "status": {"type": "integer"},
                    },
                },
            ]
        },
        "BatchResponse": {
            "type": "object",
            "required": ["predictions", "errors"],
            "properties": {
                "predictions": {"type": "array", "items": _ref("Prediction")},
                "errors": {"type": "array", "items": _ref("BatchError")},
            },
        },
    }
    if presave_enabled:
        schemas["PresaveRequest"] = {
            "type": "object",
            "required": ["revision_data"],
            "properties": {"revision_data": {"type": "object"}},
        }
    return schemas


def openapi_document(
    model_names: list[str], *, max_batch_size: int, presave_enabled: bool
) -> dict[str, Any]:
    model_param = {
        "name": "model_name",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "enum": sorted(model_names)},
    }
    request_kinds = ["SingleRequest", "BatchRequest", "EventRequest"]
    if presave_enabled:
        request_kinds.append("PresaveRequest")
    cache_header = {
        "X-Cache": {
            "description": "hit, miss, shared, bypass, partial or none",
            "schema": {"type": "string"},
        }
    }
    predict_responses = {
        "200": {
            **_json(
                {"anyOf": [_ref("Prediction"), _ref("BatchResponse")]},
                "A score, or for a batch the scores and per-revision errors.",
            ),
            "headers": cache_header,
        },
        **_errors(400, 404, 413, 429, 500, 502, 504),
    }
    paths: dict[str, Any] = {
        "/v1/models/{model_name}:predict": {
            "post": {
                "summary": "Score one revision, a batch, an event's revision or a pre-save edit.",
                "parameters": [
                    model_param,
                    {"name": "refresh", "in": "query", "schema": {"type": "boolean"}},
                    {"name": "explain", "in": "query", "schema": {"type": "boolean"}},
                    {
                        "name": "explain_top",
                        "in": "query",
                        "schema": EXPLAIN_PROPERTIES["explain_top"],
                    },
                ],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {"anyOf": [_ref(k) for k in request_kinds]}
                        }
                    },
                },
                "responses": predict_responses,
            }
        },
        "/v1/models": {
            "get": {
                "summary": "Served models.",
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "required": ["models"],
                            "properties": {"models": {"type": "array", "items": {"type": "string"}}},
                        },
                        "Model names.",
                    )
                },
            }
        },
        "/v1/models/{model_name}": {
            "get": {
                "summary": "Whether a model is ready.",
                "parameters": [model_param],
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "required": ["name", "ready"],
                            "properties": {"name": {"type": "string"}, "ready": {"type": "boolean"}},
                        },
                        "Ready.",
                    ),
                    **_errors(404, 503),
                },
            }
        },
        "/v1/models/{model_name}/info": {
            "get": {
                "summary": "The model card.",
                "parameters": [model_param],
                "responses": {
                    "200": _json({"type": "object"}, "Model card."),
                    **_errors(404, 500),
                },
            }
        },
        "/v1/models/{model_name}/thresholds": {
            "get": {
                "summary": "Threshold statistics, or the answer to an ORES-style query.",
                "parameters": [
                    model_param,
                    {
                        "name": "query",
                        "in": "query",
                        "schema": {"type": "string"},
                        "example": "maximum recall @ precision >= 0.9",
                    },
                ],
                "responses": {
                    "200": _json({"type": "object"}, "Statistics or query answer."),
                    **_errors(400, 404, 500),
                },
            }
        },
        "/": {
            "get": {
                "summary": "Liveness.",
                "responses": {"200": _json({"type": "object"}, "Alive.")},
            }
        },
        "/metrics": {
            "get": {
                "summary": "Prometheus metrics.",
                "responses": {
                    "200": {
                        "description": "Prometheus text format.",
                        "content": {"text/plain": {"schema": {"type": "string"}}},
                    }
                },
            }
        },
    }
    return {
        "openapi": "3.0.3",
        "info": {"title": "revertrisk-service", "version": __version__},
        "paths": paths,
        "components": {
            "schemas": _schemas(max_batch_size, presave_enabled),
            "responses": {
                f"Error{status}": _json(_ref("Error"), meaning)
                for status, meaning in _ERROR_MEANINGS.items()
            },
        },
    }


def install_openapi_route(app: FastAPI, settings: Settings, model_names: list[str]) -> None:
    """Replace FastAPI's generated /openapi.json (KServe's generic routes) with this document."""
    document = openapi_document(
        model_names,
        max_batch_size=settings.max_batch_size,
        presave_enabled=settings.enable_presave,
    )
    app.router.routes[:] = [
        r for r in app.router.routes if getattr(r, "path", None) != OPENAPI_PATH
    ]

    async def openapi() -> JSONResponse:
        return JSONResponse(document)

    app.add_api_route(OPENAPI_PATH, openapi, methods=["GET"], include_in_schema=False)
