#!/usr/bin/env bash
# Installs what the test suite needs on a fresh Debian machine: the venv with the
# dev extra, and the Debian packages behind the integration tests (a real
# Mosquitto broker, a real headless Chromium, shellcheck, systemd-analyze).
# Idempotent; skips apt when not root (those tests then skip, saying why).
set -euo pipefail
python=${1:-python3}
venv=${2:-.venv}

apt_packages=(mosquitto mosquitto-clients chromium shellcheck systemd)
missing=()
for pkg in "${apt_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$(id -u)" -eq 0 ]; then
        echo "test-setup: installing Debian packages: ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
        echo "test-setup: not root; missing Debian packages (their tests will skip): ${missing[*]}" >&2
    fi
fi

bash "$(dirname "$0")/bootstrap-venv.sh" "$python" "$venv" dev
