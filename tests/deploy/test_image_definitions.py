"""Static checks of the image definitions: the Dockerfile's CPU and GPU targets (the GPU image
is never built by the tests) and blubber.yaml's structure against Blubber's v4 configuration."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml
from support.image_definitions import REPO, exec_form, parse_dockerfile, torch_pin

DOCKERFILE = parse_dockerfile()
NON_ROOT = re.compile(r"^(?!0\b|0:|root\b)\S+$")


def torch_installs(stage_names: set[str]) -> list[str]:
    return [
        rest for name in stage_names for rest in DOCKERFILE.stages[name].args("RUN")
        if re.search(r"pip install .*torch==", rest)
    ]


def test_gpu_target_installs_cuda_torch_and_checks_it() -> None:
    stages = DOCKERFILE.reaches("gpu")
    (install,) = torch_installs(stages)
    assert f'"torch=={torch_pin()}"' in install
    index = DOCKERFILE.arg_default(stages, "TORCH_CUDA_INDEX_URL")
    assert "$TORCH_CUDA_INDEX_URL" in install
    assert index and re.search(r"/whl/cu\d+$", index), index
    assert "torch.version.cuda, " in install  # the build fails on a CPU-only torch


def test_cpu_target_installs_cpu_torch_only_for_the_text_extra_and_checks_it() -> None:
    stages = DOCKERFILE.reaches("cpu")
    (install,) = torch_installs(stages)
    assert f'"torch=={torch_pin()}"' in install
    assert DOCKERFILE.arg_default(stages, "TORCH_INDEX_URL").endswith("/whl/cpu")
    assert "torch.version.cuda is None" in install
    # Only when docker/needed-extras.py found a manifest that reads text-model scores.
    assert install.startswith("if grep -qw text /tmp/extras; then")
    assert "extras" in stages and "/tmp/extras" in " ".join(DOCKERFILE.stages["venv-cpu"].args("COPY"))
    assert not stages & {"venv-gpu", "gpu"}


@pytest.mark.parametrize(("target", "install"), [
    ("cpu", "install-project.sh deps cpu $(cat /tmp/extras)"),
    ("gpu", "install-project.sh deps gpu text"),
])
def test_each_target_installs_the_extras_it_needs_then_slims_the_venv(target: str, install: str) -> None:
    (venv,) = [name for name in DOCKERFILE.reaches(target) if install in DOCKERFILE.stages[name].args("RUN")]
    runs = DOCKERFILE.stages[venv].args("RUN")
    # Its own step after the install: a change to slim-venv.sh does not reinstall the dependencies.
    assert "slim-venv.sh" in runs[runs.index(install) + 1:]
    assert venv in DOCKERFILE.stages[target].copied_from()


@pytest.mark.parametrize("target", ["cpu", "gpu"])
def test_the_runtime_takes_the_project_installed_and_runs_no_pip(target: str) -> None:
    # slim-venv.sh removes pip from the venv: the project comes installed from the `project`
    # stage, in a layer of its own above the dependencies' (a src/ change re-copies only that).
    stage = DOCKERFILE.stages[target]
    copies = stage.args("COPY")
    assert copies.index("--from=project /project/opt/venv /opt/venv") > copies.index(
        f"--from=venv-{target} /opt/venv /opt/venv"
    )
    assert not [run for run in stage.args("RUN") if "pip " in run]


def test_device_cuda_only_ever_in_the_gpu_target() -> None:
    for name, stage in DOCKERFILE.stages.items():
        device = stage.env().get("DEVICE")
        if device == "cuda":
            assert name == "gpu"
    assert DOCKERFILE.stages["gpu"].env()["DEVICE"] == "cuda"
    assert DOCKERFILE.stages["cpu"].env()["DEVICE"] == "cpu"
    # The GPU target never takes the CPU venv, nor the CPU target the CUDA one.
    assert "venv-cpu" not in DOCKERFILE.reaches("gpu")
    assert "venv-gpu" not in DOCKERFILE.reaches("cpu")


def test_both_targets_share_a_debian_bookworm_base_with_python_311() -> None:
    for target in ("cpu", "gpu"):
        assert DOCKERFILE.external_base(target) == "debian:bookworm-slim"
        assert "python-base" in [s.name for s in DOCKERFILE.chain(target)]
    runs = " ".join(DOCKERFILE.stages["python-base"].args("RUN"))
    assert "python3.11" in runs


@pytest.mark.parametrize("target", ["cpu", "gpu"])
def test_runtime_is_non_root_with_healthcheck_and_exec_form_entrypoint(target: str) -> None:
    chain = DOCKERFILE.chain(target)
    users = [u for stage in reversed(chain) for u in stage.args("USER")]
    assert users and NON_ROOT.match(users[-1]), users
    entrypoints = [e for stage in reversed(chain) for e in stage.args("ENTRYPOINT")]
    assert exec_form(entrypoints[-1]) == ["revertrisk", "serve"]
    healthchecks = [h for stage in reversed(chain) for h in stage.args("HEALTHCHECK")]
    assert healthchecks and "CMD [" in healthchecks[-1]
    # The runtime is not built on the builder: no compilers, pip caches or CA bundles in it.
    assert "builder" not in [s.name for s in chain]


def test_build_script_tags_the_gpu_image_apart() -> None:
    script = (REPO / "scripts" / "build-image.sh").read_text()
    assert 'suffix="-gpu"' in script
    version = re.search(r'^version = "(.+)"', (REPO / "pyproject.toml").read_text(), re.MULTILINE).group(1)
    values = yaml.safe_load((REPO / "helm" / "revertrisk" / "values.yaml").read_text())
    assert values["image"]["tag"] == version
    assert values["gpuImage"]["tag"] == f"{version}-gpu"


# Blubber's configuration v4: the keys it documents at each level.
COMMON = {"base", "apt", "node", "php", "python", "builder", "builders", "lives", "runs",
          "sharedvolume", "entrypoint"}
TOP_LEVEL = COMMON | {"version", "variants"}
VARIANT = COMMON | {"includes", "copies"}
SECTIONS: dict[str, set[str]] = {
    "apt": {"packages", "sources", "proxies"},
    "python": {"version", "requirements", "use-system-flag", "use-system-site-packages",
               "no-deps", "poetry"},
    "node": {"requirements", "env", "use-npm-ci", "allow-dedupe-failure"},
    "php": {"requirements", "production"},
    "builder": {"command", "requirements"},
    "lives": {"as", "uid", "gid", "in"},
    "runs": {"as", "uid", "gid", "environment", "insecurely"},
}
BUILDER_KINDS = {"custom", "node", "php", "python"}
COPY_KEYS = {"from", "source", "destination"}


@pytest.fixture(scope="module")
def blubber() -> dict[str, Any]:
    return yaml.safe_load((REPO / "blubber.yaml").read_text())


def check_common(config: dict[str, Any], where: str, variants: set[str]) -> None:
    for section, keys in SECTIONS.items():
        if section in config:
            assert set(config[section]) <= keys, f"{where}.{section}: {set(config[section]) - keys}"
    for builder in config.get("builders", []):
        assert len(builder) == 1 and set(builder) <= BUILDER_KINDS, f"{where}.builders: {builder}"
        (body,) = builder.values()
        assert set(body) <= SECTIONS["builder"], f"{where}.builders: {set(body)}"
        assert all(isinstance(part, str) for part in body["command"])
    for copy in config.get("copies", []):
        assert isinstance(copy, str) or set(copy) <= COPY_KEYS, f"{where}.copies: {copy}"
        source = copy if isinstance(copy, str) else copy["from"]
        assert source == "local" or source in variants, f"{where}.copies from {source}"
    if "entrypoint" in config:
        assert all(isinstance(part, str) for part in config["entrypoint"])


def test_blubber_uses_only_documented_v4_keys(blubber: dict[str, Any]) -> None:
    assert blubber["version"] == "v4"
    assert set(blubber) <= TOP_LEVEL, set(blubber) - TOP_LEVEL
    variants = set(blubber["variants"])
    check_common(blubber, "top", variants)
    for name, variant in blubber["variants"].items():
        assert set(variant) <= VARIANT, f"{name}: {set(variant) - VARIANT}"
        for included in variant.get("includes", []):
            assert included in variants, f"{name} includes unknown {included}"
        check_common(variant, name, variants)


def test_blubber_variants_match_the_dockerfile_targets(blubber: dict[str, Any]) -> None:
    variants = blubber["variants"]
    assert {"production", "production-gpu", "test"} <= set(variants)
    assert blubber["runs"]["insecurely"] is False  # runs as Blubber's unprivileged user

    def torch_index(builder_variant: str) -> str:
        command = " ".join(variants[builder_variant]["builders"][0]["custom"]["command"])
        assert f"torch=={torch_pin()}" in command
        return re.search(r"--index-url (\S+) torch==", command).group(1)

    cpu_source = variants["production"]["copies"][0]["from"]
    gpu_source = variants["production-gpu"]["copies"][0]["from"]
    assert torch_index(cpu_source).endswith("/whl/cpu")
    assert re.search(r"/whl/cu\d+$", torch_index(gpu_source))
    for name, variant in variants.items():
        device = variant.get("runs", {}).get("environment", {}).get("DEVICE")
        assert device != "cuda" or name == "production-gpu", name
    assert variants["production-gpu"]["runs"]["environment"]["DEVICE"] == "cuda"
    for name in ("production", "production-gpu"):
        assert variants[name]["entrypoint"][-1] == "serve"
    assert variants["test"]["entrypoint"][0] == "make"
