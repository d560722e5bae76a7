#!/usr/bin/env bash
# Debian's Chromium (and fonts for its pages) for the real-browser test of the notebook
# explorers (tests/browser). Run as root; does nothing when everything is already there.
# The Python side (the playwright package) comes from requirements.txt; playwright's own
# browser download is never used: the test drives /usr/bin/chromium.
set -euo pipefail

packages=(chromium fonts-liberation fonts-dejavu-core)

missing=()
for package in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "install-browser: already installed: ${packages[*]}"
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "install-browser: need root to install ${missing[*]} (run with sudo)" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
echo "install-browser: installing ${missing[*]}"
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
/usr/bin/chromium --version
