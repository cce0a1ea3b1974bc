#!/usr/bin/env bash
# Installs Debian's Chromium for the browser tests, which drive it with playwright-core (see
# test/support/browser.ts). Playwright's own browser downloads are not used: they need network
# access this project's test machines do not have, whereas Debian's package comes from the
# configured apt sources.
#
#   scripts/chromium.sh install   -> installs Chromium when it is missing (idempotent); says what it did
#   scripts/chromium.sh check     -> exits 0 when Chromium is there, 1 (saying what is missing)
#                                    otherwise; installs nothing
#
# CHROMIUM_BIN overrides the browser binary looked for (default /usr/bin/chromium, which the
# Debian package `chromium` ships).
#
# Needs apt-get (Debian or Ubuntu) and root, or sudo without a password.
set -euo pipefail

CHROMIUM_BIN="${CHROMIUM_BIN:-/usr/bin/chromium}"
PACKAGE=chromium

say() { echo "chromium: $*"; }
fail() { echo "chromium: $*" >&2; exit 1; }

missing_packages() {
  local packages=()
  [ -x "$CHROMIUM_BIN" ] || packages+=("$PACKAGE")
  echo "${packages[@]}"
}

# The browser's version line, e.g. "Chromium 140.0.7339.185 built on Debian ..."; never fails.
chromium_version() {
  "$CHROMIUM_BIN" --version 2>/dev/null | head -n 1 || true
}

# shellcheck source=scripts/apt-packages.sh
source "$(dirname "${BASH_SOURCE[0]}")/apt-packages.sh"

install() {
  local packages
  packages=$(missing_packages)
  if [ -z "$packages" ]; then
    say "already installed: $CHROMIUM_BIN ($(chromium_version))"
    return
  fi
  # shellcheck disable=SC2086 # one word per package
  install_packages $packages
  packages=$(missing_packages)
  [ -z "$packages" ] || fail "still missing after installation: $CHROMIUM_BIN (package $packages installed it elsewhere? set CHROMIUM_BIN)"
  say "installed: $CHROMIUM_BIN ($(chromium_version))"
}

check() {
  local packages
  packages=$(missing_packages)
  if [ -n "$packages" ]; then
    say "missing: $CHROMIUM_BIN (package $packages)"
    exit 1
  fi
  say "ok: $CHROMIUM_BIN ($(chromium_version))"
}

case "${1:-}" in
  install) install ;;
  check) check ;;
  *) echo "usage: $0 install|check" >&2; exit 2 ;;
esac
