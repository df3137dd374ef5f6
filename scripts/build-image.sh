#!/usr/bin/env bash
# Builds the service image on this machine, offline from registries: the debootstrapped base, the
# local torch wheel from pip's find-links, the host's CA bundle for pip.
#   scripts/build-image.sh [cpu|gpu]     tags revertrisk-service:<version> or <version>-gpu
# IMAGE overrides the tag. Docker's layer cache is kept, so a rebuild after a src/ change only
# redoes the last layers. The gpu target pulls CUDA torch (GBs) from the PyTorch index, or from
# TORCH_CUDA_INDEX_URL (e.g. https://pypi.org/simple, whose Linux torch is the CUDA build).
# Every image and build stage carries the label io.revertrisk.project (see the Dockerfile):
# `make clean` removes them by it.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${1:-cpu}"
case "$target" in cpu | gpu) ;; *) echo "usage: $0 [cpu|gpu]" >&2; exit 2 ;; esac
version="$(sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml | head -1)"
suffix=""
[ "$target" = gpu ] && suffix="-gpu"
image="${IMAGE:-revertrisk-service:${version}${suffix}}"
base="${BASE_IMAGE:-revertrisk-base:bookworm}"
ca_bundle="${CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}"

BASE_IMAGE="$base" bash scripts/docker-setup.sh

# Stage the local inputs in the build context (docker/local/, not committed).
find docker/local -mindepth 1 ! -name README.md -delete
[ -f "$ca_bundle" ] && cp "$ca_bundle" docker/local/ca-certificates.crt
build_args=(--build-arg "BASE_IMAGE=$base")
[ -f "$ca_bundle" ] && build_args+=(--build-arg "PIP_CERT=/tmp/local/ca-certificates.crt")
extras="$(python3 docker/needed-extras.py models)"
echo "Extras the manifests under models/ need: ${extras:-none}"
if [ "$target" = cpu ] && [[ " $extras " == *" text "* ]]; then
  # torch 2.13.0's CPU wheel lies in a find-links directory of pip's configuration.
  links="${WHEEL_DIR:-$(pip config get global.find-links 2>/dev/null || true)}"
  wheel="$(ls ${links:-/opt/wheels}/torch-2.13.0*cp311*linux*x86_64.whl 2>/dev/null | head -1 || true)"
  if [ -n "$wheel" ]; then
    ln "$wheel" docker/local/ 2>/dev/null || cp "$wheel" docker/local/
    build_args+=(--build-arg "TORCH_INDEX_URL=")
  else
    echo "No local torch 2.13.0 wheel found; installing it from the PyTorch CPU index" >&2
  fi
fi

[ "$target" = gpu ] && [ -n "${TORCH_CUDA_INDEX_URL:-}" ] &&
  build_args+=(--build-arg "TORCH_CUDA_INDEX_URL=$TORCH_CUDA_INDEX_URL")

case "$target" in
  cpu) expect="minutes the first time (pip installs about 1.1 GB, slimmed to 0.8), seconds when cached" ;;
  gpu) expect="tens of minutes the first time (CUDA torch and its libraries are GBs)" ;;
esac
echo "Building $image (target $target): $expect; Docker prints each step"
start=$SECONDS
# The classic builder: this machine has no buildx; --network host reaches apt and PyPI.
set +e
DOCKER_BUILDKIT=0 docker build --force-rm --network host --target "$target" "${build_args[@]}" \
  -t "$image" . 2>&1 | grep --line-buffered -v -e '^DEPRECATED' -e 'legacy builder' \
  -e 'buildx component' -e 'docs.docker.com/go/buildx' -e 'BuildKit is currently disabled' \
  -e 'environment-variable.$' -e '^ *$'
status=${PIPESTATUS[0]}
set -e
[ "$status" -eq 0 ] || { echo "docker build failed ($status)" >&2; exit "$status"; }
size="$(docker image inspect --format '{{.Size}}' "$image")"
echo "Built $image in $((SECONDS - start)) s, $(awk -v b="$size" 'BEGIN {printf "%.2f GB", b / 1e9}')"
