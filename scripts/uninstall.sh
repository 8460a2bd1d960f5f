#!/usr/bin/env bash
# Remove Glimpse's service, units and install prefix. Keeps the configuration
# (/etc/glimpse), the event store (/var/lib/glimpse), the logs (/var/log/glimpse)
# and the `glimpse` user unless --purge is given. Non-interactive; --root DIR
# works as in install.sh (files removed under DIR, system commands printed).
set -euo pipefail

PREFIX=/opt/glimpse
ROOT="${DESTDIR:-}"
PURGE=0

usage() {
    cat <<'EOF_USAGE'
Usage: scripts/uninstall.sh [options]

  -y, --yes        accepted for scripts; nothing is ever asked
  --prefix DIR     the install location given to install.sh (default /opt/glimpse)
  --root DIR       throwaway root: remove files under DIR, print system commands
  --purge          also delete configuration, events, logs and the glimpse user
  -h, --help       this help
EOF_USAGE
}

log() { printf 'glimpse-uninstall: %s\n' "$*"; }
die() {
    printf 'glimpse-uninstall: error: %s\n' "$*" >&2
    exit 1
}

run() {
    if [ -n "$ROOT" ]; then
        printf 'would run: %s\n' "$*"
        if [ -n "${GLIMPSE_INSTALL_PLAN:-}" ]; then printf '%s\n' "$*" >>"$GLIMPSE_INSTALL_PLAN"; fi
        return 0
    fi
    "$@"
}

remove() {
    local path
    for path in "$@"; do
        if [ -e "$ROOT$path" ] || [ -L "$ROOT$path" ]; then
            rm -rf -- "$ROOT$path"
            log "removed $path"
        fi
    done
}

while [ $# -gt 0 ]; do
    case "$1" in
        -y | --yes) ;;
        --prefix) PREFIX="${2:?--prefix needs a directory}"; shift ;;
        --root) ROOT="${2:?--root needs a directory}"; shift ;;
        --purge) PURGE=1 ;;
        -h | --help) usage; exit 0 ;;
        *) usage >&2; die "unknown option '$1'" ;;
    esac
    shift
done
if [ -z "$ROOT" ] && [ "$(id -u)" -ne 0 ]; then die "run as root (sudo), or use --root DIR"; fi
case "$PREFIX" in /?*) ;; *) die "--prefix '$PREFIX'; expected an absolute path other than /" ;; esac

for unit in glimpse.service glimpse-jetson-clocks.service; do
    if [ -e "$ROOT/etc/systemd/system/$unit" ]; then run systemctl disable --now "$unit"; fi
done
remove /etc/systemd/system/glimpse.service /etc/systemd/system/glimpse.service.d \
    /etc/systemd/system/glimpse-jetson-clocks.service /etc/udev/rules.d/99-glimpse-gpio.rules
run systemctl daemon-reload

# Only a directory install.sh marked as its own is deleted wholesale.
if [ -f "$ROOT$PREFIX/.glimpse-install" ]; then
    remove "$PREFIX"
elif [ -e "$ROOT$PREFIX" ]; then
    log "left $PREFIX alone: it has no .glimpse-install marker"
fi

if [ "$PURGE" -eq 1 ]; then
    remove /etc/glimpse /var/lib/glimpse /var/log/glimpse /var/lib/glimpse-jetson
    if [ -n "$ROOT" ] || getent passwd glimpse >/dev/null; then run userdel glimpse; fi
else
    log "kept /etc/glimpse, /var/lib/glimpse and /var/log/glimpse (use --purge to delete them)"
fi
log "done"
