"""pyproject.toml declares what the service imports, and nothing it does not: an import scan of
src/revertrisk_service against the declared distributions, both ways."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from functools import cache
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "src" / "revertrisk_service"
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]


def imported_modules() -> dict[str, set[str]]:
    """Top-level third-party module -> the files importing it, lazy imports inside functions
    included (ast.walk sees every import statement)."""
    found: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top not in sys.stdlib_module_names and top != "revertrisk_service":
                    found.setdefault(top, set()).add(str(path.relative_to(REPO)))
    return found


def distribution_name(requirement: str) -> str:
    return re.split(r"[<>=!~ \[;]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def declared(*groups: str) -> set[str]:
    requirements = list(PYPROJECT["dependencies"]) if "runtime" in groups else []
    for extra in groups:
        requirements += PYPROJECT["optional-dependencies"].get(extra, [])
    return {distribution_name(r) for r in requirements}


@cache
def module_distributions() -> dict[str, list[str]]:
    return importlib.metadata.packages_distributions()


# Distributions that install the same module: xgboost-cpu is declared, and either may be the one
# installed (the GPU image carries xgboost).
SAME_MODULE = {"xgboost": "xgboost-cpu"}


def providers(module: str) -> set[str]:
    """The installed distributions that provide a top-level module, normalised."""
    names = {n.lower().replace("_", "-") for n in module_distributions().get(module, [])}
    return names | {SAME_MODULE[n] for n in names if n in SAME_MODULE}


# Imported only in functions that first check they are installed (signals.missing_packages,
# the `signals` extra), for the text classifiers only when a manifest reads their scores, and for
# the evaluation plots only by `revertrisk evaluate`, and Spark and mwxml only by
# `revertrisk dataset build` (the `dataset` extra; without it the command fails in one line).
OPTIONAL = {"signals", "text", "evaluation", "dataset"}


def test_every_imported_package_is_declared() -> None:
    allowed = declared("runtime", *OPTIONAL)
    undeclared = {
        module: sorted(files)[:3]
        for module, files in imported_modules().items()
        if module != "revertrisk_devtools" and not providers(module) & allowed
    }
    assert not undeclared, f"imported but not declared in pyproject.toml: {undeclared}"


# Loaded by name rather than imported: SQLAlchemy's dialect loads psycopg for a
# postgresql+psycopg:// FEEDBACK_DATABASE_URL. Or imported by a dependency that does not declare
# it: mwreverts' detector imports jsonable.
LOADED_BY_NAME = {"psycopg", "jsonable"}


def test_every_runtime_dependency_is_imported() -> None:
    provided = set().union(*(providers(module) for module in imported_modules()))
    unused = sorted(declared("runtime") - provided - LOADED_BY_NAME)
    assert not unused, f"declared but never imported by src/revertrisk_service: {unused}"


def test_dev_tools_are_not_in_the_package() -> None:
    # A separate distribution (devtools/), so neither the wheel nor the image carries them; the
    # one import of them, `revertrisk dev-wiki`, fails in one line without them
    # (tests/test_optional_packages.py).
    assert not (REPO / "src" / "revertrisk_devtools").exists()
    assert imported_modules().get("revertrisk_devtools", set()) <= {"src/revertrisk_service/cli.py"}
    assert "safetensors" not in declared("runtime", *OPTIONAL)
