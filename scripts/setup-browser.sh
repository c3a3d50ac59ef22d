#!/usr/bin/env bash
# Headless Chromium and its chromedriver, from Debian's packages, for the browser tests (tests/browser).
#
# Nothing to do when both are installed. Otherwise installs them with apt-get when run as root (or
# with a sudo that asks no password). When that cannot be done it says what is missing and exits 0:
# the browser tests then skip, naming it. Chromium's own downloads (Selenium Manager) are never used.
set -euo pipefail

BROWSER_PACKAGES=(chromium chromium-driver fonts-liberation)

have() { command -v "$1" >/dev/null 2>&1; }

if have chromium && have chromedriver; then
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    SUDO=()
elif have sudo && sudo -n true 2>/dev/null; then
    SUDO=(sudo -n)
else
    echo "setup-browser: chromium/chromedriver missing and neither root nor a password-less sudo:" \
        "install ${BROWSER_PACKAGES[*]} to run the browser tests (they skip meanwhile)" >&2
    exit 0
fi

if ! have apt-get; then
    echo "setup-browser: chromium/chromedriver missing and no apt-get: install them to run the" \
        "browser tests (they skip meanwhile)" >&2
    exit 0
fi

echo "setup-browser: installing ${BROWSER_PACKAGES[*]} (Debian packages)"
export DEBIAN_FRONTEND=noninteractive
if ! { "${SUDO[@]}" apt-get update -qq \
    && "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${BROWSER_PACKAGES[@]}" >/dev/null; }; then
    echo "setup-browser: apt-get could not install ${BROWSER_PACKAGES[*]}: the browser tests skip" >&2
    exit 0
fi
chromium --version
chromedriver --version
