#!/usr/bin/env bash
# PostgreSQL's server and Redis, from Debian's packages, for the distributed system test
# (tests/distributed: CeleryExecutor with a PostgreSQL metadata database and a Redis broker).
#
# Nothing to do when both are there: PostgreSQL's initdb and postgres (on PATH, or in
# /usr/lib/postgresql/<version>/bin, where Debian puts them) and redis-server on PATH. Otherwise
# installs what is missing (scripts/apt-install.sh: as root or with a password-less sudo; else it
# says what is missing and the distributed tests skip, naming it). The servers are never started
# here: the test starts its own, on free ports of 127.0.0.1, in temporary folders, and stops them.
set -euo pipefail

have() { command -v "$1" >/dev/null 2>&1; }

have_postgres() {
    if have initdb && have postgres; then
        return 0
    fi
    local bin
    for bin in /usr/lib/postgresql/*/bin; do
        if [ -x "$bin/initdb" ] && [ -x "$bin/postgres" ]; then
            return 0
        fi
    done
    return 1
}

PACKAGES=()
have_postgres || PACKAGES+=(postgresql)
have redis-server || PACKAGES+=(redis-server)

if [ ${#PACKAGES[@]} -eq 0 ]; then
    exit 0
fi
SETUP_NAME=$0 bash "$(dirname "$0")/apt-install.sh" "distributed tests" "${PACKAGES[@]}"
have redis-server && redis-server --version
have_postgres && echo "PostgreSQL: $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | tail -1)"
exit 0
