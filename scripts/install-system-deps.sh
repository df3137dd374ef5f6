#!/usr/bin/env bash
# Installs the Debian packages the end-to-end tests need, only when something is missing.
set -euo pipefail
needed=()
command -v php >/dev/null 2>&1 || needed+=(php-cli)
[ -d /usr/share/mediawiki ] || needed+=(mediawiki)
php -m 2>/dev/null | grep -qi '^pdo_sqlite$' || needed+=(php-sqlite3)
php -m 2>/dev/null | grep -qi '^mbstring$' || needed+=(php-mbstring)
php -m 2>/dev/null | grep -qi '^xml$' || needed+=(php-xml)
php -m 2>/dev/null | grep -qi '^intl$' || needed+=(php-intl)
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
# The feedback tests start their own PostgreSQL with Debian's initdb and pg_ctl.
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || needed+=(postgresql)
if [ ${#needed[@]} -eq 0 ]; then
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "Installing Debian packages: ${needed[*]} (about 70 s the first time; apt logs to /var/log/apt/term.log)"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${needed[@]}" >/dev/null
