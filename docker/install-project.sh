#!/bin/sh
# Installs the project into the image's venv in two steps, so that the dependency layer stays
# cached while only src/ changes:
#   install-project.sh deps      pyproject.toml's dependencies
#   install-project.sh wheel     the package itself as a wheel in /wheels, without dependencies
set -eu
case "$1" in
  deps)
    python -c "import tomllib; print('\n'.join(tomllib.load(open('/src/pyproject.toml', 'rb'))['project']['dependencies']))" >/tmp/requirements.txt
    pip install --find-links /tmp/local -r /tmp/requirements.txt
    ;;
  wheel)
    pip wheel --no-deps --wheel-dir /wheels /src
    ;;
  *)
    echo "usage: install-project.sh deps|wheel" >&2
    exit 2
    ;;
esac
