#!/usr/bin/env python3
"""Check that the running environment holds exactly the versions requirements-lock.txt pins.

    .venv/bin/python scripts/check_lock.py

pip installs a package that a requirements file asks for but the lock does not list
(``pip install -c``) without complaint, at whatever version is newest. This check
catches that: every installed distribution, except the project itself and pip, must be
in the lock at the locked version. When it fails, run ``make lock``.
"""

import re
import sys
from importlib import metadata
from pathlib import Path

LOCK = Path(__file__).resolve().parent.parent / "requirements-lock.txt"
NOT_LOCKED = {"cs-utils", "pip"}


def normalize(name):
    """A distribution name in its canonical form (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def locked_versions(path=LOCK):
    """{name: version} of every ``name==version`` line of the lock."""
    pins = {}
    for line in path.read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;#]+)", line)
        if match:
            pins[normalize(match.group(1))] = match.group(2)
    return pins


def installed_versions():
    """{name: version} of every distribution the running interpreter sees."""
    return {normalize(dist.metadata["Name"]): dist.version for dist in metadata.distributions()}


def differences(installed, pins):
    """Lines describing each installed package that is missing from the lock or differs."""
    problems = []
    for name, version in sorted(installed.items()):
        if name in NOT_LOCKED:
            continue
        if name not in pins:
            problems.append(f"{name}=={version} is installed but not in {LOCK.name}")
        elif pins[name] != version:
            problems.append(f"{name}=={version} is installed; {LOCK.name} pins {pins[name]}")
    return problems


def main():
    """Print the differences; exit 1 when there are any."""
    installed = installed_versions()
    problems = differences(installed, locked_versions())
    for problem in problems:
        print(problem)
    if problems:
        print("The environment does not match the lock: reinstall it (`make venv`), after "
              "`make lock` if the lock lacks a package.")
        return 1
    print(f"{len(installed)} installed distributions match {LOCK.name}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
