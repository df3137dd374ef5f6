#!/bin/sh
# Installs the project into the image's venv in two steps, so that the dependency layer stays
# cached while only src/ changes:
#   install-project.sh deps cpu|gpu [EXTRA...]  pyproject.toml's dependencies and those extras'
#   install-project.sh project ROOT              the package itself, no deps, installed into this
#                                                venv as if ROOT were / (ROOT/opt/venv/...): the
#                                                runtime stages copy that over their pip-less venv
# pyproject.toml asks for xgboost-cpu: the `xgboost` module without the CUDA kernels and NCCL
# (about 700 MB) that CPU inference never loads. For gpu it becomes the full `xgboost` wheel. The
# project wheel then goes in with --no-deps, so nothing asks for the other one again.
# PYPROJECT (default /src/pyproject.toml) and LOCAL_WHEELS (default /tmp/local, wheels an
# offline build brings) let blubber.yaml's builders run it from a checkout.
set -eu
pyproject="${PYPROJECT:-/src/pyproject.toml}"
local_wheels="${LOCAL_WHEELS:-/tmp/local}"
case "$1" in
  deps)
    flavour="$2"
    shift 2
    python - "$pyproject" "$flavour" "$@" >/tmp/requirements.txt <<'PY'
import re, sys, tomllib
project = tomllib.load(open(sys.argv[1], "rb"))["project"]
flavour, extras = sys.argv[2], sys.argv[3:]
requirements = list(project["dependencies"])
for extra in extras:
    requirements += project["optional-dependencies"][extra]
if flavour == "gpu":
    requirements = [re.sub(r"^xgboost-cpu(?=[<>=!~ \[;]|$)", "xgboost", r) for r in requirements]
print("\n".join(requirements))
PY
    echo "install-project.sh: $flavour dependencies, extras: ${*:-none}"
    links=""
    [ -d "$local_wheels" ] && links="--find-links $local_wheels"
    # shellcheck disable=SC2086  # $links is zero or two words
    pip install --progress-bar off $links -r /tmp/requirements.txt
    ;;
  project)
    pip wheel --no-deps --wheel-dir /tmp/wheels "$(dirname "$pyproject")"
    # --root keeps the venv's own paths: the script's shebang is /opt/venv/bin/python.
    pip install --no-deps --no-index --no-warn-script-location --root "$2" /tmp/wheels/*.whl
    ;;
  *)
    echo "usage: install-project.sh deps cpu|gpu [EXTRA...] | project ROOT" >&2
    exit 2
    ;;
esac
