"""The Helm chart, linted and rendered by real Helm in every profile, every manifest validated
against its schema (see tests/support/helm_chart.py for which schema), and its invariants."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import helm_python
import pytest
import yaml
from support import helm_chart
from support.helm_chart import load_values, render

CPU_IMAGE = "revertrisk-service:0.1.0"
GPU_IMAGE = "revertrisk-service:0.1.0-gpu"
LA = "revertrisk-language-agnostic"
ML = "revertrisk-multilingual"
BAD_VALUES = Path(__file__).parents[1] / "fixtures" / "helm"

PROFILES: dict[str, dict[str, Any]] = {
    "default": {},
    "cpu": load_values("values-cpu.yaml"),
    "gpu": load_values("values-gpu.yaml"),
    "precache-external-redis": {
        "redis": {
            "mode": "external",
            "external": {"url": "redis://cache.example:6379/0", "existingSecret": "cache-auth"},
        },
        "precache": {"enabled": True},
    },
    "precache-kafka": {
        "redis": {"mode": "bundled"},
        "precache": {
            "enabled": True,
            "source": "kafka",
            "kafka": {
                "bootstrap": "kafka-jumbo1001.example:9093,kafka-jumbo1002.example:9093",
                "topics": ["eqiad.mediawiki.page_change.v1", "codfw.mediawiki.page_change.v1"],
                "group": "revertrisk-precache",
                "replicas": 3,
                "securityProtocol": "SASL_SSL",
                "tlsSecret": "kafka-ca",
                "saslMechanism": "SCRAM-SHA-512",
                "saslSecret": "kafka-precache-user",
            },
        },
    },
    "bundled-redis": {"redis": {"mode": "bundled"}},
    "service-monitor": {"metrics": {"serviceMonitor": {"enabled": True}}},
    "feedback": {"feedback": {"enabled": True, "tokensSecret": "feedback-tokens",
                              "databaseSecret": "feedback-db"}},
    "kserve-canary": {"models": {"languageAgnostic": {"canaryTrafficPercent": 10}}},
    "closed-loop": {
        "redis": {"mode": "bundled"},
        "precache": {"enabled": True},
        "feedback": {"enabled": True, "tokensSecret": "feedback-tokens",
                     "databaseSecret": "feedback-db"},
        "versions": {"enabled": True, "registryClaim": "revertrisk-registry",
                     "operatorTokensSecret": "operator-tokens"},
        "outcomes": {"enabled": True},
    },
}


def by_kind(docs: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


def env_of(container: dict[str, Any]) -> dict[str, Any]:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container.get("env", [])}


def serving_container(isvc: dict[str, Any]) -> dict[str, Any]:
    (container,) = isvc["spec"]["predictor"]["containers"]
    return container


@pytest.fixture(scope="module", params=sorted(PROFILES))
def profile(request: pytest.FixtureRequest) -> tuple[str, list[dict[str, Any]]]:
    return request.param, render(PROFILES[request.param])


@pytest.mark.parametrize("name", sorted(PROFILES))
def test_real_helm_lints_the_chart(name: str) -> None:
    report = helm_chart.lint(PROFILES[name])
    problems = [m for m in report["messages"] if m["severity"] >= 2] + report["errors"]
    assert report["total_charts_linted"] == 1
    assert problems == []


def test_every_manifest_validates_against_its_schema(profile: tuple[str, list]) -> None:
    _, docs = profile
    assert docs
    for doc in docs:
        helm_chart.validate(doc)


def test_invariants_of_every_inference_service(profile: tuple[str, list]) -> None:
    _, docs = profile
    for name, isvc in by_kind(docs, "InferenceService").items():
        predictor = isvc["spec"]["predictor"]
        container = serving_container(isvc)
        env = env_of(container)
        model = env["MODEL"]
        assert model in (LA, ML)
        # Probes on KServe's endpoints for exactly the model this service serves.
        assert container["readinessProbe"]["httpGet"]["path"] == f"/v1/models/{model}"
        assert container["startupProbe"]["httpGet"]["path"] == f"/v1/models/{model}"
        assert container["livenessProbe"]["httpGet"]["path"] == "/"
        assert container["resources"]["requests"] and container["resources"]["limits"]
        assert 1 <= predictor["minReplicas"] <= predictor["maxReplicas"]
        assert predictor["scaleMetric"] and predictor["scaleTarget"] >= 1
        assert predictor["securityContext"]["runAsNonRoot"] is True
        assert container["securityContext"]["readOnlyRootFilesystem"] is True
        assert container["securityContext"]["allowPrivilegeEscalation"] is False
        assert predictor["annotations"]["prometheus.io/scrape"] == "true"
        assert predictor["annotations"]["prometheus.io/port"] == "8080"
        assert predictor["terminationGracePeriodSeconds"] >= 1
        assert 1 <= int(env["SHUTDOWN_GRACE_S"]) < predictor["terminationGracePeriodSeconds"]
        # GPU image, DEVICE=cuda and a GPU request go together, or not at all.
        gpu = container["image"] == GPU_IMAGE
        assert gpu == (env["DEVICE"] == "cuda")
        assert gpu == ("nvidia.com/gpu" in container["resources"]["limits"]), name
        assert container["image"] in (CPU_IMAGE, GPU_IMAGE)
        if model == LA:
            assert not gpu, "XGBoost has no use for a GPU"


def test_gpu_profile_runs_the_multilingual_model_on_the_gpu_image() -> None:
    isvcs = by_kind(render(PROFILES["gpu"]), "InferenceService")
    multilingual = isvcs[ML]
    container = serving_container(multilingual)
    assert container["image"] == GPU_IMAGE != CPU_IMAGE
    assert env_of(container)["DEVICE"] == "cuda"
    assert container["resources"]["limits"]["nvidia.com/gpu"] == "1"
    predictor = multilingual["spec"]["predictor"]
    assert predictor["nodeSelector"] == {"nvidia.com/gpu.present": "true"}
    assert predictor["tolerations"][0]["key"] == "nvidia.com/gpu"
    assert serving_container(isvcs[LA])["image"] == CPU_IMAGE


def test_cpu_profile_never_asks_for_a_gpu() -> None:
    for isvc in by_kind(render(PROFILES["cpu"]), "InferenceService").values():
        container = serving_container(isvc)
        assert container["image"] == CPU_IMAGE
        assert env_of(container)["DEVICE"] == "cpu"
        assert "nvidia.com/gpu" not in container["resources"]["limits"]
        assert "nodeSelector" not in isvc["spec"]["predictor"]


def test_one_inference_service_per_enabled_model() -> None:
    docs = render({"models": {"multilingual": {"enabled": False}}})
    assert set(by_kind(docs, "InferenceService")) == {LA}
    assert set(by_kind(render({}), "InferenceService")) == {LA, ML}


def test_default_profile_has_no_redis_no_precache_no_monitor() -> None:
    docs = render({})
    assert {d["kind"] for d in docs} == {"InferenceService"}
    for isvc in by_kind(docs, "InferenceService").values():
        assert "REDIS_URL" not in env_of(serving_container(isvc))


def test_bundled_redis_password_comes_from_a_secret() -> None:
    docs = render(PROFILES["bundled-redis"])
    secret = by_kind(docs, "Secret")[f"{helm_chart.RELEASE}-redis"]
    assert len(secret["data"]["password"]) > 20
    redis = by_kind(docs, "StatefulSet")[f"{helm_chart.RELEASE}-redis"]
    (redis_container,) = redis["spec"]["template"]["spec"]["containers"]
    assert "$(REDIS_PASSWORD)" in redis_container["args"]
    assert env_of(redis_container)["REDIS_PASSWORD"]["secretKeyRef"]["name"] == f"{helm_chart.RELEASE}-redis"
    assert f"{helm_chart.RELEASE}-redis" in by_kind(docs, "Service")
    for isvc in by_kind(docs, "InferenceService").values():
        env = env_of(serving_container(isvc))
        assert env["REDIS_PASSWORD"]["secretKeyRef"]["name"] == f"{helm_chart.RELEASE}-redis"
        assert env["REDIS_URL"] == f"redis://:$(REDIS_PASSWORD)@{helm_chart.RELEASE}-redis:6379/0"
        names = [e["name"] for e in serving_container(isvc)["env"]]
        # Kubernetes expands $(VAR) only from variables defined before it.
        assert names.index("REDIS_PASSWORD") < names.index("REDIS_URL")


def test_external_redis_and_precache() -> None:
    docs = render(PROFILES["precache-external-redis"])
    assert "Secret" not in {d["kind"] for d in docs}
    assert "StatefulSet" not in {d["kind"] for d in docs}
    deployment = by_kind(docs, "Deployment")[f"{helm_chart.RELEASE}-precache"]
    pod = deployment["spec"]["template"]
    (container,) = pod["spec"]["containers"]
    env = env_of(container)
    assert container["command"] == ["revertrisk", "precache"]
    assert env["REDIS_URL"] == "redis://:$(REDIS_PASSWORD)@cache.example:6379/0"
    assert env["REDIS_PASSWORD"]["secretKeyRef"]["name"] == "cache-auth"
    assert env["MODELS"] == f"{LA},{ML}"
    assert container["image"] == CPU_IMAGE
    port = container["ports"][0]["containerPort"]
    assert container["args"][container["args"].index("--metrics-port") + 1] == str(port)
    assert pod["metadata"]["annotations"]["prometheus.io/port"] == str(port)
    assert deployment["spec"]["replicas"] == 1
    assert deployment["spec"]["strategy"]["type"] == "Recreate"
    pdb = by_kind(docs, "PodDisruptionBudget")[f"{helm_chart.RELEASE}-precache"]
    assert pdb["spec"]["selector"]["matchLabels"].items() <= pod["metadata"]["labels"].items()


def test_kafka_precache_is_a_scaled_consumer_group_with_tls_and_sasl_from_secrets() -> None:
    docs = render(PROFILES["precache-kafka"])
    deployment = by_kind(docs, "Deployment")[f"{helm_chart.RELEASE}-precache"]
    pod = deployment["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    args, env = container["args"], env_of(container)
    assert args[args.index("--kafka-bootstrap") + 1] == "kafka-jumbo1001.example:9093,kafka-jumbo1002.example:9093"
    assert [args[i + 1] for i, a in enumerate(args) if a == "--topic"] == [
        "eqiad.mediawiki.page_change.v1", "codfw.mediawiki.page_change.v1"
    ]
    assert args[args.index("--group") + 1] == "revertrisk-precache"
    assert "--stream-url" not in args
    assert deployment["spec"]["replicas"] == 3
    assert deployment["spec"]["strategy"]["type"] == "RollingUpdate"
    assert env["KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL"
    assert env["KAFKA_SASL_MECHANISM"] == "SCRAM-SHA-512"
    assert env["KAFKA_SASL_PASSWORD"]["secretKeyRef"] == {"name": "kafka-precache-user", "key": "password"}
    (mount,) = [m for m in container["volumeMounts"] if m["name"] == "kafka-tls"]
    assert env["KAFKA_SSL_CAFILE"].startswith(mount["mountPath"] + "/")
    (volume,) = [v for v in pod["volumes"] if v["name"] == "kafka-tls"]
    assert volume["secret"]["secretName"] == "kafka-ca"
    pdb = by_kind(docs, "PodDisruptionBudget")[f"{helm_chart.RELEASE}-precache"]
    assert pdb["spec"]["maxUnavailable"] == 1


def test_service_monitor_finds_the_metrics_services() -> None:
    docs = render(PROFILES["service-monitor"])
    (monitor,) = by_kind(docs, "ServiceMonitor").values()
    selector = monitor["spec"]["selector"]["matchLabels"]
    services = [
        s for s in by_kind(docs, "Service").values()
        if selector.items() <= s["metadata"]["labels"].items()
    ]
    assert {s["metadata"]["name"] for s in services} == {f"{LA}-metrics", f"{ML}-metrics"}
    for service in services:
        assert {p["name"] for p in service["spec"]["ports"]} == {"metrics"}
    assert render({}) == [d for d in render({}) if d["kind"] != "ServiceMonitor"]


# Each bad values file and a fragment of Helm's refusal.
BAD_FILES = {
    "bad-accelerator.yaml": "/models/multilingual/accelerator",
    "bad-precache-without-redis.yaml": "/redis/mode",
    "bad-scale-metric.yaml": "/models/languageAgnostic/scaleMetric",
    "bad-external-redis-without-url.yaml": "/redis",
    "bad-gpu-image-is-cpu-image.yaml": "gpuImage must differ from image",
    "bad-root-user.yaml": "/podSecurityContext/runAsNonRoot",
    "bad-typo.yaml": "'modles' not allowed",
    "bad-replicas.yaml": "/models/multilingual/maxReplicas",
    "bad-kafka-without-bootstrap.yaml": "needs precache.kafka.bootstrap",
    "bad-versions-without-registry-claim.yaml": "/versions/registryClaim",
    "bad-outcomes-without-database.yaml": "/feedback/databaseSecret",
}


def test_every_bad_values_file_is_listed() -> None:
    assert {p.name for p in BAD_VALUES.glob("bad-*.yaml")} == set(BAD_FILES)


@pytest.mark.parametrize("bad", sorted(BAD_FILES))
def test_bad_values_are_refused(bad: str) -> None:
    values = yaml.safe_load((BAD_VALUES / bad).read_text())
    with pytest.raises((helm_python.HelmValuesError, helm_python.HelmRenderError)) as refused:
        render(values)
    assert BAD_FILES[bad] in str(refused.value)
    if isinstance(refused.value, helm_python.HelmValuesError):
        report = helm_chart.lint(values)
        assert report["errors"] or any(m["severity"] == 3 for m in report["messages"])


def test_render_script_prints_manifests_and_refuses_bad_values() -> None:
    import subprocess
    import sys

    script = [sys.executable, str(helm_chart.CHART_DIR.parents[1] / "scripts" / "render-chart.py")]
    good = subprocess.run(
        [*script, "values-gpu.yaml", "--set", "wikiUrl=http://mw-api-int.example"],
        capture_output=True, text=True, check=False, timeout=60,
    )
    assert good.returncode == 0, good.stderr
    docs = [d for d in yaml.safe_load_all(good.stdout) if d]
    assert GPU_IMAGE in {serving_container(d)["image"] for d in docs if d["kind"] == "InferenceService"}
    bad = subprocess.run(
        [*script, "--set", "models.multilingual.accelerator=tpu"],
        capture_output=True, text=True, check=False, timeout=60,
    )
    assert bad.returncode == 1 and "accelerator" in bad.stderr


def test_every_environment_variable_the_chart_sets_is_read_by_the_service() -> None:
    from revertrisk_service.config import Settings

    # LOG_LEVEL is read by the logging setup; REDIS_PASSWORD only feeds $(REDIS_PASSWORD) in REDIS_URL.
    known = {name.upper() for name in Settings.model_fields} | {"LOG_LEVEL", "REDIS_PASSWORD"}
    for name, values in PROFILES.items():
        for doc in render(values):
            if doc["kind"] == "InferenceService":
                containers = doc["spec"]["predictor"]["containers"]
            elif doc["kind"] == "Deployment":
                containers = doc["spec"]["template"]["spec"]["containers"]
            else:
                continue
            for container in containers:
                unknown = set(env_of(container)) - known
                assert not unknown, f"{name}: {doc['metadata']['name']} sets {unknown}"


def test_feedback_mounts_tokens_and_database_url_from_secrets() -> None:
    docs = render(PROFILES["feedback"])
    for isvc in by_kind(docs, "InferenceService").values():
        container = serving_container(isvc)
        env = env_of(container)
        assert env["FEEDBACK_TOKENS_FILE"] == "/etc/revertrisk/feedback/tokens"
        assert env["FEEDBACK_DATABASE_URL"] == {
            "secretKeyRef": {"name": "feedback-db", "key": "url"}}
        mount = next(m for m in container["volumeMounts"] if m["name"] == "feedback-tokens")
        assert mount["mountPath"] == "/etc/revertrisk/feedback" and mount["readOnly"]
        volume = next(v for v in isvc["spec"]["predictor"]["volumes"]
                      if v["name"] == "feedback-tokens")
        assert volume["secret"] == {"secretName": "feedback-tokens",
                                    "items": [{"key": "tokens", "path": "tokens"}]}
    # Off by default: no feedback settings anywhere.
    for isvc in by_kind(render({}), "InferenceService").values():
        assert not any(k.startswith("FEEDBACK_") for k in env_of(serving_container(isvc)))


def test_feedback_without_its_secrets_is_refused() -> None:
    with pytest.raises(Exception, match="tokensSecret|minLength|databaseSecret"):
        render({"feedback": {"enabled": True}})


def test_kserve_canary_is_set_only_where_asked() -> None:
    """KServe's canaryTrafficPercent, the Kubernetes-native alternative to the service's own
    champion and challenger, reaches the predictor of the model that asks for it only."""
    default = by_kind(render({}), "InferenceService")
    assert all("canaryTrafficPercent" not in i["spec"]["predictor"] for i in default.values())
    canary = by_kind(render(PROFILES["kserve-canary"]), "InferenceService")
    assert canary[LA]["spec"]["predictor"]["canaryTrafficPercent"] == 10
    assert "canaryTrafficPercent" not in canary[ML]["spec"]["predictor"]


def containers_of(docs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Each serving container (by InferenceService) and the precacher's."""
    found = {name: serving_container(i) for name, i in by_kind(docs, "InferenceService").items()}
    for name, deployment in by_kind(docs, "Deployment").items():
        (found[name],) = deployment["spec"]["template"]["spec"]["containers"]
    return found


def volumes_of(docs: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    found = {n: i["spec"]["predictor"]["volumes"] for n, i in by_kind(docs, "InferenceService").items()}
    for name, deployment in by_kind(docs, "Deployment").items():
        found[name] = deployment["spec"]["template"]["spec"]["volumes"]
    return found


def test_the_closed_loop_mounts_the_registry_and_sets_its_settings_everywhere() -> None:
    """Versions and outcomes: every serving pod and the precacher mount the registry's claim as
    MODEL_REGISTRY_DIR and read the outcome store's database from its Secret; operator tokens
    reach the serving pods only (the precacher serves no operator endpoint)."""
    docs = render(PROFILES["closed-loop"])
    containers, volumes = containers_of(docs), volumes_of(docs)
    assert set(containers) == {LA, ML, "rr-precache"}
    for name, container in containers.items():
        env = env_of(container)
        assert env["MODEL_REGISTRY_DIR"] == "/var/lib/revertrisk/registry"
        assert env["OUTCOMES_ENABLED"] == "true"
        assert env["FEEDBACK_DATABASE_URL"] == {
            "secretKeyRef": {"name": "feedback-db", "key": "url"}}
        names = [e["name"] for e in container["env"]]
        assert len(names) == len(set(names)), f"{name} sets a variable twice"
        mount = next(m for m in container["volumeMounts"] if m["name"] == "model-registry")
        assert mount["mountPath"] == "/var/lib/revertrisk/registry" and not mount.get("readOnly")
        volume = next(v for v in volumes[name] if v["name"] == "model-registry")
        assert volume["persistentVolumeClaim"] == {"claimName": "revertrisk-registry"}
        serving = name != "rr-precache"
        assert ("OPERATOR_TOKENS_FILE" in env) == serving
        assert any(v["name"] == "operator-tokens" for v in volumes[name]) == serving
    operators = next(v for v in volumes[LA] if v["name"] == "operator-tokens")
    assert operators["secret"] == {"secretName": "operator-tokens",
                                   "items": [{"key": "tokens", "path": "tokens"}]}
    # Off by default: no registry, no outcomes, no database.
    for container in containers_of(render({})).values():
        assert not {"MODEL_REGISTRY_DIR", "OUTCOMES_ENABLED", "FEEDBACK_DATABASE_URL",
                    "OPERATOR_TOKENS_FILE"} & set(env_of(container))


def test_the_closed_loop_defaults_are_the_settings_defaults() -> None:
    """The chart's defaults for versions and outcomes, as rendered, are what the service would
    use with those variables unset."""
    from revertrisk_service.config import Settings

    fields = Settings.model_fields
    env = env_of(containers_of(render(PROFILES["closed-loop"]))[LA])
    for variable in ("VERSION_POLL_S", "OUTCOMES_WINDOW_S", "OUTCOMES_RADIUS",
                     "OUTCOMES_MAX_PAGES", "OUTCOMES_SWEEP_INTERVAL_S",
                     "OUTCOMES_QUALITY_PERIOD_S", "OUTCOMES_GAUGE_INTERVAL_S"):  # fmt: skip
        assert float(env[variable]) == fields[variable.lower()].default, variable
