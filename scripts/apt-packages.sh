# shellcheck shell=bash
# Shared by the installers of the test suite's system dependencies (apache-gateway.sh,
# chromium.sh): Debian packages installed with apt-get, as root or with password-less sudo.
# Sourced, not run; the caller defines say and fail first.

as_root() {
  if [ "$(id -u)" = 0 ]; then
    "$@"
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    sudo -n "$@"
  else
    fail "installing packages needs root (or sudo without a password): run $0 install as root"
  fi
}

apt_install() {
  # Wait for a concurrent apt/dpkg run rather than failing on its lock.
  as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends "$@"
}

# Installs the packages named, refreshing the package lists once when the first attempt fails.
install_packages() {
  command -v apt-get >/dev/null || fail "apt-get is not available, cannot install: $* (Debian or Ubuntu packages are needed)"
  say "installing: $*"
  if ! apt_install "$@"; then
    say "install failed; updating the package lists and retrying"
    as_root apt-get -o DPkg::Lock::Timeout=300 update
    apt_install "$@" || fail "apt-get could not install: $*"
  fi
}
