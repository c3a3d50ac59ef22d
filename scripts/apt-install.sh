#!/usr/bin/env bash
# Installs Debian packages some tests need: `apt-install.sh <tests> <package>...`, e.g.
# `apt-install.sh "browser tests" chromium chromium-driver`.
#
# Uses apt-get as root, or through a sudo that asks no password. When neither is possible, or
# apt-get is missing or fails, it says what is missing and exits 0: those tests then skip, naming
# it. The packages' own services are not started (the tests start what they need themselves).
set -euo pipefail

TESTS=$1
shift
PACKAGES=("$@")
NAME=$(basename "${SETUP_NAME:-$0}" .sh)

have() { command -v "$1" >/dev/null 2>&1; }

if [ "$(id -u)" -eq 0 ]; then
    SUDO=()
elif have sudo && sudo -n true 2>/dev/null; then
    SUDO=(sudo -n)
else
    echo "$NAME: ${PACKAGES[*]} missing and neither root nor a password-less sudo: install them" \
        "to run the $TESTS (they skip meanwhile)" >&2
    exit 0
fi

if ! have apt-get; then
    echo "$NAME: ${PACKAGES[*]} missing and no apt-get: install them to run the $TESTS" \
        "(they skip meanwhile)" >&2
    exit 0
fi

echo "$NAME: installing ${PACKAGES[*]} (Debian packages)"
export DEBIAN_FRONTEND=noninteractive
# policy-rc.d's exit code 101 tells the packages' maintainer scripts not to start their services.
POLICY=/usr/sbin/policy-rc.d
if [ ! -e "$POLICY" ]; then
    printf '#!/bin/sh\nexit 101\n' | "${SUDO[@]}" tee "$POLICY" >/dev/null
    "${SUDO[@]}" chmod +x "$POLICY"
    trap '"${SUDO[@]}" rm -f "$POLICY"' EXIT
fi
if ! { "${SUDO[@]}" apt-get update -qq \
    && "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >/dev/null; }; then
    echo "$NAME: apt-get could not install ${PACKAGES[*]}: the $TESTS skip" >&2
    exit 0
fi
