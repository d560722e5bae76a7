#!/usr/bin/env bash
# bubblewrap: the namespaces sandbox the autograder runs student notebooks in
# (cs_utils/instructor/sandbox.py). Quick when present; checks that it starts here.
set -euo pipefail
if ! command -v bwrap >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends bubblewrap >/dev/null
fi
bwrap --version
bwrap --ro-bind / / --unshare-pid --unshare-net --unshare-ipc --die-with-parent true \
    && echo "bubblewrap: namespaces work here" \
    || echo "bubblewrap: installed, but namespaces are refused here (weaker isolation)"
