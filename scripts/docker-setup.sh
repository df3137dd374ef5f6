#!/usr/bin/env bash
# Makes Docker usable for the image build and its e2e test, doing only what is missing:
#   1. Debian packages docker.io and debootstrap;
#   2. a running dockerd (started in the background, log in /var/log/revertrisk-dockerd.log);
#   3. the base image $BASE_IMAGE, a minimal Debian bookworm built with debootstrap from the mirror
#      apt is configured with (no registry can be pulled from here). About a minute and a half.
# Idempotent: a second run finds everything in place and returns at once.
set -euo pipefail
BASE_IMAGE="${BASE_IMAGE:-revertrisk-base:bookworm}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

needed=()
command -v dockerd >/dev/null 2>&1 || needed+=(docker.io)
command -v debootstrap >/dev/null 2>&1 || needed+=(debootstrap)
if [ ${#needed[@]} -gt 0 ]; then
  echo "Installing Debian packages: ${needed[*]} (a minute or two; apt logs to /var/log/apt/term.log)"
  # Another apt may hold the dpkg lock on a shared machine: wait for it rather than fail.
  $SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
    --no-install-recommends "${needed[@]}" >/dev/null
fi

if ! docker info >/dev/null 2>&1; then
  if ! pgrep -x dockerd >/dev/null 2>&1; then
    echo "Starting dockerd (log: /var/log/revertrisk-dockerd.log)"
    $SUDO setsid dockerd </dev/null >>/var/log/revertrisk-dockerd.log 2>&1 &
  fi
  for _ in $(seq 60); do
    docker info >/dev/null 2>&1 && break
    sleep 1
  done
  docker info >/dev/null 2>&1 || {
    echo "dockerd did not come up in 60 s; see /var/log/revertrisk-dockerd.log" >&2
    exit 1
  }
fi

if docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
  exit 0
fi

# The Debian mirror apt uses here (deb822 sources first, then one-line sources).
mirror="$(awk '/^URIs:/ && $2 ~ /\/debian\/?$/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)"
[ -n "$mirror" ] || mirror="$(awk '$1 == "deb" && $2 ~ /\/debian\/?$/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)"
[ -n "$mirror" ] || mirror="http://deb.debian.org/debian"
security="${mirror%/debian}/debian-security"

rootfs="$(mktemp -d /tmp/revertrisk-base.XXXXXX)"
trap '$SUDO rm -rf "$rootfs"' EXIT
echo "Building base image $BASE_IMAGE with debootstrap from $mirror (about 80 s, once per machine)"
start=$SECONDS
$SUDO debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$rootfs.log" 2>&1 || {
  tail -20 "$rootfs.log" >&2
  exit 1
}
rm -f "$rootfs.log"
printf 'deb %s bookworm main\ndeb %s bookworm-updates main\ndeb %s bookworm-security main\n' \
  "$mirror" "$mirror" "$security" | $SUDO tee "$rootfs/etc/apt/sources.list" >/dev/null
$SUDO rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
$SUDO tar -C "$rootfs" -c . | docker import \
  --change 'ENV LANG=C.UTF-8' --change 'CMD ["/bin/bash"]' - "$BASE_IMAGE" >/dev/null
echo "Base image $BASE_IMAGE built in $((SECONDS - start)) s"
