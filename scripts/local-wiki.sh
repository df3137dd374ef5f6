#!/usr/bin/env bash
# Starts a throwaway real MediaWiki with the test fixture history, for running the service by hand:
#   scripts/local-wiki.sh [PORT] [DIR]        (defaults: 8081, ./var/local-wiki)
# then, in another shell: WIKI_URL=<printed value> make serve
# DIR is wiped and rebuilt on each start; Ctrl-C stops the wiki.
set -euo pipefail
cd "$(dirname "$0")/.."
port="${1:-8081}"
dir="${2:-var/local-wiki}"
exec "${REVERTRISK:-.venv/bin/revertrisk}" dev-wiki --port "$port" --dir "$dir"
