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

as_root() {
  if [ "$(id -u)" = 0 ]; then
    "$@"
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    sudo -n "$@"
  else
    fail "installing packages needs root (or sudo without a password); run as root: apt-get install -y $PACKAGE"
  fi
}

apt_install() {
  # Wait for a concurrent apt/dpkg run rather than failing on its lock.
  as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends "$@"
}

install() {
  local packages
  packages=$(missing_packages)
  if [ -z "$packages" ]; then
    say "already installed: $CHROMIUM_BIN ($(chromium_version))"
    return
  fi
  command -v apt-get >/dev/null || fail "apt-get is not available, cannot install: $packages (Debian or Ubuntu packages are needed)"
  say "installing: $packages"
  # shellcheck disable=SC2086 # one word per package
  if ! apt_install $packages; then
    say "install failed; updating the package lists and retrying"
    as_root apt-get -o DPkg::Lock::Timeout=300 update
    # shellcheck disable=SC2086
    apt_install $packages || fail "apt-get could not install: $packages"
  fi
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
