#!/usr/bin/env bash
# Headless Chromium and its chromedriver, from Debian's packages, for the browser tests (tests/browser).
#
# Nothing to do when both are installed. Otherwise installs them (scripts/apt-install.sh: as root or
# with a sudo that asks no password; else it says what is missing and exits 0: the browser tests then
# skip, naming it). Chromium's own downloads (Selenium Manager) are never used.
set -euo pipefail

BROWSER_PACKAGES=(chromium chromium-driver fonts-liberation)

have() { command -v "$1" >/dev/null 2>&1; }

if have chromium && have chromedriver; then
    exit 0
fi

SETUP_NAME=$0 bash "$(dirname "$0")/apt-install.sh" "browser tests" "${BROWSER_PACKAGES[@]}"
if have chromium && have chromedriver; then
    chromium --version
    chromedriver --version
fi
