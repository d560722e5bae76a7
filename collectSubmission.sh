#!/usr/bin/env bash
# Make the zip you hand in for an assignment:
#
#   bash collectSubmission.sh assignment1           (assignment1/ works too)
#   bash collectSubmission.sh assignment1 --check   first run the notebooks as the grader does
#
# writes assignment1_submission.zip next to this script, holding the assignment's
# notebooks and the .py files of its package. Save your notebooks first. The work is
# done by cs_utils/collect_submission.py, which needs nothing beyond Python 3 (--check
# needs the course requirements).

if [ -z "${BASH_VERSION:-}" ]; then
    echo "collectSubmission.sh: run it with bash: bash collectSubmission.sh assignment1" >&2
    exit 2
fi
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

if command -v python3 >/dev/null 2>&1; then
    PYTHON=python3
elif command -v python >/dev/null 2>&1 && python -c 'import sys; sys.exit(sys.version_info[0] != 3)'; then
    PYTHON=python
else
    echo "collectSubmission.sh: Python 3 is needed but neither python3 nor python is Python 3." >&2
    exit 1
fi

export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
exec "$PYTHON" -m cs_utils.collect_submission "$@"
