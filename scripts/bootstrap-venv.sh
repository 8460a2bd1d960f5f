#!/usr/bin/env bash
# Creates the project's virtualenv and installs Glimpse into it (with EXTRAS, e.g. "dev").
# On a fresh Debian/Ubuntu machine the venv module may be missing: it is installed when running as root.
set -euo pipefail
python=${1:-python3}
venv=${2:-.venv}
extras=${3:-}

if ! "$python" -c 'import venv, ensurepip' >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
        echo "bootstrap: installing python3-venv"
        DEBIAN_FRONTEND=noninteractive apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
    else
        echo "bootstrap: $python has no venv/ensurepip module; install python3-venv (sudo apt-get install python3-venv)" >&2
        exit 1
    fi
fi
if [ ! -x "$venv/bin/python" ]; then
    "$python" -m venv "$venv"
fi
"$venv/bin/pip" install -q --upgrade pip
if [ -n "$extras" ]; then
    "$venv/bin/pip" install -q -e ".[$extras]"
else
    "$venv/bin/pip" install -q -e .
fi
# OpenCV is a dependency only off aarch64 (boards take the OS package); on another aarch64
# machine without python3-opencv, fall back to the PyPI wheel (extra `opencv`).
if ! "$venv/bin/python" -c 'import cv2' >/dev/null 2>&1; then
    echo "bootstrap: no OpenCV importable; installing the PyPI wheel (extra opencv)"
    "$venv/bin/pip" install -q -e ".[${extras:+$extras,}opencv]"
fi
