#!/usr/bin/env bash
# Installs Apache httpd and mod_oauth2 (the OAuth 2.0 resource-server module of the OpenIDC
# project, on liboauth2) from Debian's packages, for the gateway end-to-end test
# (test/gateway/apache-gateway.test.ts), which runs Apache in the foreground with a generated
# configuration (see test/support/apache-gateway.ts).
#
#   scripts/apache-gateway.sh install   -> installs what is missing (idempotent); says what it did
#   scripts/apache-gateway.sh check     -> exits 0 when everything is there, 1 (naming what is
#                                          missing) otherwise; installs nothing
#
# Needs apt-get (Debian or Ubuntu) and root, or sudo without a password.
set -euo pipefail

APACHE_BIN="${APACHE_BIN:-/usr/sbin/apache2}"
MODULES_DIR="${APACHE_MODULES_DIR:-/usr/lib/apache2/modules}"
# Every module the generated configuration loads, by file, with the package that ships it.
REQUIRED_MODULES=(mod_mpm_event.so mod_authn_core.so mod_authz_core.so mod_headers.so mod_proxy.so mod_proxy_http.so)
OAUTH2_MODULE=mod_oauth2.so

say() { echo "apache-gateway: $*"; }
fail() { echo "apache-gateway: $*" >&2; exit 1; }

missing_packages() {
  local packages=()
  local apache_missing=0
  [ -x "$APACHE_BIN" ] || apache_missing=1
  for module in "${REQUIRED_MODULES[@]}"; do
    [ -f "$MODULES_DIR/$module" ] || apache_missing=1
  done
  [ "$apache_missing" = 1 ] && packages+=(apache2-bin)
  [ -f "$MODULES_DIR/$OAUTH2_MODULE" ] || packages+=(libapache2-mod-oauth2)
  echo "${packages[@]}"
}

# shellcheck source=scripts/apt-packages.sh
source "$(dirname "${BASH_SOURCE[0]}")/apt-packages.sh"

install() {
  local packages
  packages=$(missing_packages)
  if [ -z "$packages" ]; then
    say "already installed: $("$APACHE_BIN" -v | head -n 1 | sed 's/^Server version: //'), $MODULES_DIR/$OAUTH2_MODULE"
    return
  fi
  # shellcheck disable=SC2086 # one word per package
  install_packages $packages
  packages=$(missing_packages)
  [ -z "$packages" ] || fail "still missing after installation: $packages"
  say "installed: $("$APACHE_BIN" -v | head -n 1 | sed 's/^Server version: //'), $MODULES_DIR/$OAUTH2_MODULE"
}

check() {
  local packages
  packages=$(missing_packages)
  if [ -n "$packages" ]; then
    say "missing packages: $packages"
    exit 1
  fi
  say "ok"
}

case "${1:-}" in
  install) install ;;
  check) check ;;
  *) echo "usage: $0 install|check" >&2; exit 2 ;;
esac
