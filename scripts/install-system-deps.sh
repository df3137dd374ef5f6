#!/usr/bin/env bash
# Installs the Debian packages the tests and the dataset builder need, only when something is
# missing: when all is there it prints nothing and runs no apt. `install-system-deps.sh try`
# checks only what `make try` needs (a real MediaWiki on SQLite under PHP's CLI server), so a
# second `make try` needs neither root nor the network.
set -euo pipefail
scope="${1:-all}"
case "$scope" in
  all|try) ;;
  *) echo "usage: $0 [all|try]" >&2; exit 2 ;;
esac
needed=()
command -v php >/dev/null 2>&1 || needed+=(php-cli)
[ -d /usr/share/mediawiki ] || needed+=(mediawiki)
# PHP's module list, read once: piping `php -m` into `grep -q` under pipefail failed at random
# (grep exits at its first match, php then dies of SIGPIPE and the pipeline reports failure).
php_modules="$(php -m 2>/dev/null || true)"
has_module() { grep -qix "$1" <<<"$php_modules"; }
has_module pdo_sqlite || needed+=(php-sqlite3)
has_module mbstring || needed+=(php-mbstring)
has_module xml || needed+=(php-xml)
has_module intl || needed+=(php-intl)
if [ "$scope" = all ]; then
  command -v redis-server >/dev/null 2>&1 || needed+=(redis-server)
  # The Kafka TLS settings test signs a throwaway certificate with the openssl command.
  command -v openssl >/dev/null 2>&1 || needed+=(openssl)
  # The patrol page test runs in Debian's headless Chromium through chromedriver.
  command -v chromium >/dev/null 2>&1 || needed+=(chromium)
  command -v chromedriver >/dev/null 2>&1 || needed+=(chromium-driver)
  # `revertrisk dataset build` runs on PySpark, which needs a Java runtime (17 is Debian 12's).
  command -v java >/dev/null 2>&1 || needed+=(openjdk-17-jre-headless)
  # Wikimedia publishes full histories as .7z: the builder streams them through p7zip's `7z`.
  command -v 7z >/dev/null 2>&1 || needed+=(p7zip-full)
  # .bz2 and .gz dumps decompress on every core beside the parser with lbzip2 and pigz.
  command -v lbzip2 >/dev/null 2>&1 || needed+=(lbzip2)
  command -v pigz >/dev/null 2>&1 || needed+=(pigz)
  # The feedback tests start their own PostgreSQL with Debian's initdb and pg_ctl.
  compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || needed+=(postgresql)
fi
if [ ${#needed[@]} -eq 0 ]; then
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "Installing Debian packages: ${needed[*]} (about 70 s the first time; apt logs to /var/log/apt/term.log)"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${needed[@]}" >/dev/null
