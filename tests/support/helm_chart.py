"""Rendering the Helm chart with real Helm (helm-python-sdk) and validating what comes out.

Built-in kinds are validated with kubernetes-validate (Kubernetes' own OpenAPI schemas, strict:
unknown fields fail). InferenceService has no schema there, so it is round-tripped through the
`kserve` package's generated V1beta1InferenceService model (a field the model does not know, or
of the wrong type, changes the round-trip) and, inside it, each container, toleration and the
pod security context is validated against the strict Kubernetes schemas of those types.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import helm_python
import jsonschema
import kubernetes_validate
import yaml
from kubernetes_validate import utils as kv_utils
from referencing import Registry, Resource

CHART_DIR = Path(__file__).resolve().parents[2] / "helm" / "revertrisk"
KUBE_VERSION = "1.30"
RELEASE = "rr"
NAMESPACE = "ml"
# KServe documents these four for PredictorSpec.scaleMetric; its model does not enforce them.
KSERVE_SCALE_METRICS = {"cpu", "memory", "concurrency", "rps"}


def load_values(name: str) -> dict[str, Any]:
    return yaml.safe_load((CHART_DIR / name).read_text()) or {}


def render(values: dict[str, Any]) -> list[dict[str, Any]]:
    chart = helm_python.Chart.load(CHART_DIR)
    try:
        rendered = chart.render(values, name=RELEASE, namespace=NAMESPACE)
    finally:
        chart.close()
    docs: list[dict[str, Any]] = []
    for text in rendered.values():
        docs.extend(doc for doc in yaml.safe_load_all(text) if doc)
    return docs


def _schema_version() -> str:
    wanted = kv_utils.major_minor(KUBE_VERSION)
    return [v for v in kv_utils.all_versions() if kv_utils.major_minor(v) <= wanted][-1]


def validate_kubernetes_type(obj: Any, type_file: str) -> None:
    """Validates one embedded object (e.g. 'container-v1') against the strict Kubernetes schema."""
    schema_dir = f"kubernetes-json-schema/v{_schema_version()}-local-strict"
    schema = kv_utils.schema_contents(f"{schema_dir}/{type_file}.json", KUBE_VERSION)
    definitions = kv_utils.schema_contents(f"{schema_dir}/_definitions.json", KUBE_VERSION)
    registry = Resource.from_contents(definitions) @ (Resource.from_contents(schema) @ Registry())
    jsonschema.validators.Draft202012Validator(schema, registry=registry).validate(obj)


def validate_builtin(doc: dict[str, Any]) -> None:
    kubernetes_validate.validate(doc, KUBE_VERSION, strict=True)


def _normalise(value: Any) -> Any:
    """Drops empty values: the generated models do not keep an explicit {} or []."""
    if isinstance(value, dict):
        return {k: _normalise(v) for k, v in value.items() if v not in ({}, [], None)}
    if isinstance(value, list):
        return [_normalise(v) for v in value]
    return value


def validate_inference_service(doc: dict[str, Any]) -> None:
    from kserve import ApiClient

    model = _to_model(doc, "V1beta1InferenceService", "")
    round_trip = ApiClient().sanitize_for_serialization(model)
    if _normalise(round_trip) != _normalise(doc):
        raise AssertionError(
            f"InferenceService {doc['metadata']['name']} does not round-trip through kserve's "
            f"V1beta1InferenceService: {_first_difference(_normalise(doc), _normalise(round_trip))}"
        )
    predictor = doc["spec"]["predictor"]
    if predictor.get("scaleMetric") not in KSERVE_SCALE_METRICS:
        raise AssertionError(f"scaleMetric {predictor.get('scaleMetric')!r}")
    for container in predictor["containers"]:
        validate_kubernetes_type(container, "container-v1")
    for toleration in predictor.get("tolerations", []):
        validate_kubernetes_type(toleration, "toleration-v1")
    for volume in predictor.get("volumes", []):
        validate_kubernetes_type(volume, "volume-v1")
    validate_kubernetes_type(predictor.get("securityContext", {}), "podsecuritycontext-v1")


_PRIMITIVES: dict[str, type | tuple[type, ...]] = {
    "str": str, "int": int, "bool": bool, "float": (int, float), "object": object,
    "quantity": (str, int, float),
}


def _model_class(name: str) -> type:
    """kserve's generated models refer to Kubernetes' own (V1Container, ...) by name."""
    import kserve.models
    import kubernetes.client.models

    for module in (kserve.models, kubernetes.client.models):
        if hasattr(module, name):
            return getattr(module, name)
    raise AssertionError(f"no generated model named {name}")


def _to_model(data: Any, type_name: str, path: str) -> Any:
    """Builds the generated model from a manifest, strictly: a wrong type fails here instead of
    being coerced, an unknown field is dropped (and then shows in the round-trip)."""
    if type_name.lower().startswith("list["):
        assert isinstance(data, list), f"{path}: expected a list, got {data!r}"
        return [_to_model(v, type_name[5:-1], f"{path}[{i}]") for i, v in enumerate(data)]
    if type_name.startswith(("dict(", "Dict[")):
        assert isinstance(data, dict), f"{path}: expected a mapping, got {data!r}"
        value_type = type_name[5:-1].split(", ", 1)[1]
        if path.endswith((".limits", ".requests")):
            # Quantities: a number or a string (the strict container schema checks their form).
            value_type = "quantity"
        return {k: _to_model(v, value_type, f"{path}.{k}") for k, v in data.items()}
    if type_name in _PRIMITIVES:
        wanted = _PRIMITIVES[type_name]
        ok = isinstance(data, wanted) and not (type_name == "int" and isinstance(data, bool))
        assert ok, f"{path}: expected {type_name}, got {data!r}"
        return data
    klass = _model_class(type_name)
    assert isinstance(data, dict), f"{path}: expected {type_name}, got {data!r}"
    kwargs = {
        attr: _to_model(data[key], klass.openapi_types[attr], f"{path}.{key}")
        for attr, key in klass.attribute_map.items()
        if key in data
    }
    return klass(**kwargs)  # the generated setters check required fields and enums


def _first_difference(a: Any, b: Any, path: str = "") -> str:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            if a.get(key) != b.get(key):
                return _first_difference(a.get(key), b.get(key), f"{path}.{key}")
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            if x != y:
                return _first_difference(x, y, f"{path}[{i}]")
    return f"{path or '.'}: {a!r} became {b!r}"


def validate(doc: dict[str, Any]) -> None:
    if doc["kind"] == "InferenceService":
        validate_inference_service(doc)
    elif doc["apiVersion"].startswith("monitoring.coreos.com/"):
        validate_service_monitor(doc)
    else:
        validate_builtin(doc)


def validate_service_monitor(doc: dict[str, Any]) -> None:
    """No Prometheus Operator CRD schema is available offline: the fields this chart sets are
    checked by hand against the operator's documented ServiceMonitor shape."""
    assert set(doc) == {"apiVersion", "kind", "metadata", "spec"}, set(doc)
    spec = doc["spec"]
    assert set(spec) <= {"selector", "namespaceSelector", "endpoints", "jobLabel"}, set(spec)
    assert spec["selector"]["matchLabels"], spec
    for endpoint in spec["endpoints"]:
        assert set(endpoint) <= {"port", "path", "interval", "scheme"}, endpoint
        assert isinstance(endpoint["port"], str)


def lint(values: dict[str, Any]) -> dict[str, Any]:
    return helm_python.lint(CHART_DIR, values, strict=True, kube_version=f"v{KUBE_VERSION}.0")
