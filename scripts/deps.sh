#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs the Debian 12 packages gostcsp needs, only those missing. Idempotent and quiet when
# everything is present. Works as root (no sudo needed) and as a user with sudo.
#   deps.sh               build, test and demo packages (PACKAGES)
#   deps.sh --packaging   also what scripts/package.sh needs beyond them (PACKAGING_PACKAGES)
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config git python3
  libssl-dev openssl libengine-gost-openssl
  libbotan-2-dev botan python3-botan
  libgtest-dev libgmock-dev libbenchmark-dev
  libsqlite3-dev libcli11-dev
  libp11-kit-dev p11-kit p11-kit-modules softhsm2 opensc gnutls-bin
  dpkg-dev file
  valgrind gdb clang libclang-rt-14-dev
  nginx-light libnginx-mod-http-echo curl
)
# nginx-light: tests/tls runs nginx 1.22 with its own configuration in a scratch directory (the
# echo module answers POST bodies); the package's own service is not needed (where
# /usr/sbin/policy-rc.d denies starts, as in containers, it is not started).
# scripts/package.sh: lintian checks the .deb (dpkg-dev and file above serve CPack's
# dpkg-shlibdeps run, which the package test in the suite also uses).
PACKAGING_PACKAGES=(
  lintian
)
if [ "${1:-}" = --packaging ]; then
  PACKAGES+=("${PACKAGING_PACKAGES[@]}")
fi

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$pkg")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1; then
  SUDO=(sudo)
else
  echo "deps.sh: missing packages (${missing[*]}) and neither root nor sudo available" >&2
  exit 1
fi

echo "deps.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# A bare machine has no package lists yet; refresh them once, before installing.
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
