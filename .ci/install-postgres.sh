#!/usr/bin/env bash
# PostgreSQL server binaries for the gradebook-on-PostgreSQL test, which starts a
# throw-away cluster of its own (initdb + pg_ctl on 127.0.0.1). Quick when present.
set -euo pipefail
if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    echo "postgresql: $(ls -d /usr/lib/postgresql/*/bin | head -n 1) present"
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends postgresql >/dev/null
ls -d /usr/lib/postgresql/*/bin
