#!/usr/bin/env bash
# Install Glimpse as a systemd service on a Raspberry Pi, a Jetson or any Debian-like Linux.
#
# Idempotent and non-interactive: run it again to upgrade; it never overwrites
# /etc/glimpse/glimpse.toml and rewrites other files only when their content
# changed. With --root DIR (or DESTDIR=DIR) it lays every file down under DIR
# and only prints the system commands it would run (apt, useradd, systemctl,
# pip, ...), which is how tests and image builders use it. See docs/deploy.md.
set -euo pipefail

SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PREFIX=/opt/glimpse
ROOT="${DESTDIR:-}"
PLATFORM=""
EXTRAS=""
DO_APT=1
DO_START=1
DO_ENGINE=1
DO_DOCTOR=1
MQTT_HOST=""
MQTT_PORT=1883
DEVICE_ID=""
SOURCE_URI=""
ALLOW_NET=()
CHANGED=0

usage() {
    cat <<'EOF'
Usage: scripts/install.sh [options]

  -y, --yes               accepted for scripts; the installer never asks anything
  --prefix DIR            install location (default /opt/glimpse): venv, models, docs
  --root DIR              throwaway root: lay files under DIR, print system commands
                          instead of running them (also DESTDIR=DIR)
  --platform NAME         pi, jetson or other (default: detected)
  --extras LIST           pip extras (default: pi on a Pi, jetson on a Jetson)
  --no-apt                do not install apt packages
  --no-start              enable the service but do not (re)start it
  --no-engine             do not build the TensorRT engine on a Jetson
  --no-doctor             do not run `glimpse doctor`
  --with-mqtt-host HOST   enable MQTT to HOST in a new configuration
  --with-mqtt-port PORT   broker port (default 1883)
  --device-id ID          device id in a new configuration (default: host name)
  --source URI            camera source in a new configuration (default: per platform)
  --allow-net CIDR        also allow this network in the service's IP filter (repeatable),
                          e.g. the LAN when the dashboard listens beyond 127.0.0.1
  -h, --help              this help

Environment: GLIMPSE_INSTALL_PLAN=FILE appends the commands of --root mode to FILE.
EOF
}

log() { printf 'glimpse-install: %s\n' "$*"; }
warn() { printf 'glimpse-install: warning: %s\n' "$*" >&2; }
die() {
    printf 'glimpse-install: error: %s\n' "$*" >&2
    exit 1
}

parse_args() {
    while [ $# -gt 0 ]; do
        case "$1" in
            -y | --yes) ;;
            --prefix) PREFIX="${2:?--prefix needs a directory}"; shift ;;
            --root) ROOT="${2:?--root needs a directory}"; shift ;;
            --platform) PLATFORM="${2:?--platform needs pi, jetson or other}"; shift ;;
            --extras) EXTRAS="${2:?--extras needs a list}"; shift ;;
            --no-apt) DO_APT=0 ;;
            --no-start) DO_START=0 ;;
            --no-engine) DO_ENGINE=0 ;;
            --no-doctor) DO_DOCTOR=0 ;;
            --with-mqtt-host) MQTT_HOST="${2:?--with-mqtt-host needs a host}"; shift ;;
            --with-mqtt-port) MQTT_PORT="${2:?--with-mqtt-port needs a port}"; shift ;;
            --device-id) DEVICE_ID="${2:?--device-id needs an id}"; shift ;;
            --source) SOURCE_URI="${2:?--source needs a URI}"; shift ;;
            --allow-net) ALLOW_NET+=("${2:?--allow-net needs a CIDR}"); shift ;;
            -h | --help) usage; exit 0 ;;
            *) usage >&2; die "unknown option '$1'" ;;
        esac
        shift
    done
    case "$PLATFORM" in "" | pi | jetson | other) ;; *) die "--platform '$PLATFORM'; expected pi, jetson or other" ;; esac
    case "$MQTT_PORT" in *[!0-9]* | "") die "--with-mqtt-port '$MQTT_PORT'; expected a number" ;; esac
    case "$PREFIX" in /*) ;; *) die "--prefix '$PREFIX'; expected an absolute path" ;; esac
    if [ -n "$ROOT" ]; then
        mkdir -p "$ROOT"
        ROOT="$(cd "$ROOT" && pwd)"
    elif [ "$(id -u)" -ne 0 ]; then
        die "run as root (sudo), or use --root DIR for a throwaway root"
    fi
}

# Run a command that changes the system; in --root mode only say what it would be.
run() {
    if [ -n "$ROOT" ]; then
        printf 'would run: %s\n' "$*"
        if [ -n "${GLIMPSE_INSTALL_PLAN:-}" ]; then printf '%s\n' "$*" >>"$GLIMPSE_INSTALL_PLAN"; fi
        return 0
    fi
    "$@"
}

detect_platform() {
    if [ -n "$PLATFORM" ]; then return; fi
    local model=""
    if [ -r "$ROOT/proc/device-tree/model" ]; then model="$(tr -d '\0' <"$ROOT/proc/device-tree/model")"; fi
    if [ -e "$ROOT/etc/nv_tegra_release" ]; then
        PLATFORM=jetson
    elif [[ "$model" == Raspberry\ Pi* ]]; then
        PLATFORM=pi
    else
        PLATFORM=other
    fi
    log "platform: $PLATFORM${model:+ ($model)}"
}

# JetPack 6 (L4T R36) at least: JetPack 5 ships Python 3.8 and Glimpse needs 3.10.
check_jetpack() {
    [ "$PLATFORM" = jetson ] || return 0
    local release="$ROOT/etc/nv_tegra_release" major
    [ -r "$release" ] || { warn "no /etc/nv_tegra_release: cannot check the JetPack version"; return 0; }
    major="$(sed -n 's/^# R\([0-9][0-9]*\) .*/\1/p' "$release" | head -n 1)"
    if [ -n "$major" ] && [ "$major" -lt 36 ]; then
        die "L4T R$major (JetPack 5 or older) found; expected JetPack 6 (L4T R36) or newer: JetPack 5 ships Python 3.8, Glimpse needs 3.10"
    fi
}

# install_file SRC DEST MODE: copy only when the content differs (keeps mtimes on re-runs).
install_file() {
    local src="$1" dest="$ROOT$2" mode="$3"
    if [ -f "$dest" ] && cmp -s "$src" "$dest"; then
        if [ "$(stat -c %a "$dest")" != "$mode" ]; then chmod "$mode" "$dest"; fi
        return 0
    fi
    install -D -m "$mode" "$src" "$dest"
    CHANGED=$((CHANGED + 1))
    log "wrote $2"
}

# install_text DEST MODE < content
install_text() {
    local tmp
    tmp="$(mktemp)"
    cat >"$tmp"
    install_file "$tmp" "$1" "$2"
    rm -f "$tmp"
}

install_tree() {
    local from="$1" to="$2" file
    [ -d "$from" ] || return 0
    while IFS= read -r -d '' file; do
        install_file "$file" "$to/${file#"$from"/}" 644
    done < <(find "$from" -type f ! -name '*.pyc' -print0 | sort -z)
}

apt_packages() {
    [ "$DO_APT" -eq 1 ] || return 0
    local pkgs=(python3-venv python3-pip python3-dev curl ca-certificates)
    case "$PLATFORM" in
        pi) pkgs+=(python3-picamera2 python3-libcamera python3-lgpio python3-numpy python3-opencv libraspberrypi-bin) ;;
        jetson) pkgs+=(python3-libnvinfer python3-opencv gstreamer1.0-tools) ;;
        other) pkgs+=(v4l-utils) ;;
    esac
    run env DEBIAN_FRONTEND=noninteractive apt-get update -q
    run env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${pkgs[@]}"
}

python_env() {
    local venv="$PREFIX/venv" extras="$EXTRAS" spec="$SRC"
    if [ -z "$extras" ]; then
        case "$PLATFORM" in
            pi) extras=pi ;;
            jetson) extras=jetson ;;
            # aarch64 gets no OpenCV wheel by default (boards use the OS package): take it from PyPI here.
            *) if [ "$(uname -m)" = aarch64 ]; then extras=opencv; else extras=""; fi ;;
        esac
    fi
    if [ -n "$extras" ]; then spec="${SRC}[$extras]"; fi
    # --system-site-packages: picamera2/libcamera/OpenCV (Pi) and tensorrt/OpenCV (Jetson) come from apt/JetPack.
    if [ ! -x "$ROOT$venv/bin/python" ]; then run python3 -m venv --system-site-packages "$venv"; fi
    run "$venv/bin/pip" install --quiet --upgrade pip
    if [ "$PLATFORM" = jetson ]; then
        # pycuda's build looks for nvcc; JetPack does not put /usr/local/cuda/bin on PATH.
        run env "PATH=/usr/local/cuda/bin:$PATH" CUDA_ROOT=/usr/local/cuda \
            "$venv/bin/pip" install --quiet --upgrade "$spec"
    else
        run "$venv/bin/pip" install --quiet --upgrade "$spec"
    fi
}

service_user() {
    local group
    for group in video gpio; do
        if [ -n "$ROOT" ] || ! getent group "$group" >/dev/null; then run groupadd --system "$group"; fi
    done
    if [ -n "$ROOT" ] || ! getent passwd glimpse >/dev/null; then
        run useradd --system --user-group --home-dir /var/lib/glimpse --no-create-home \
            --shell /usr/sbin/nologin --comment "Glimpse edge analyzer" glimpse
    fi
    if [ -n "$ROOT" ] || ! id -nG glimpse | tr ' ' '\n' | grep -qx gpio || ! id -nG glimpse | tr ' ' '\n' | grep -qx video; then
        run usermod --append --groups video,gpio glimpse
    fi
}

default_source() {
    case "$PLATFORM" in
        pi) printf 'picamera2:0 640 480 200' ;;
        jetson) printf 'argus:0 1280 720 60' ;;
        *) printf 'v4l2:/dev/video0 640 480 30' ;;
    esac
}

write_config() {
    local conf="$ROOT/etc/glimpse/glimpse.toml" uri width height fps id backend=onnxruntime enabled=false host=127.0.0.1
    install -d -m 755 "$ROOT/etc/glimpse"
    install -d -m 700 "$ROOT/etc/glimpse/credentials"
    for cred in mqtt-password mqtt-tls-key; do
        if [ ! -e "$ROOT/etc/glimpse/credentials/$cred" ]; then install -m 600 /dev/null "$ROOT/etc/glimpse/credentials/$cred"; fi
    done
    if [ -e "$conf" ]; then
        log "keeping the existing /etc/glimpse/glimpse.toml"
        if [ -n "$MQTT_HOST$DEVICE_ID$SOURCE_URI" ]; then
            warn "--with-mqtt-host/--device-id/--source only shape a new configuration; edit the existing one"
        fi
        return 0
    fi
    read -r uri width height fps <<<"$(default_source)"
    uri="${SOURCE_URI:-$uri}"
    id="${DEVICE_ID:-$(hostname 2>/dev/null || echo glimpse)}"
    id="$(printf '%s' "$id" | tr -c 'A-Za-z0-9_-' '-' | cut -c1-64)"
    if [ "$PLATFORM" = jetson ]; then backend=tensorrt; fi
    if [ -n "$MQTT_HOST" ]; then enabled=true host="$MQTT_HOST"; fi
    sed -e "s|@DEVICE_ID@|$id|" -e "s|@SOURCE_URI@|$uri|" -e "s|@SOURCE_WIDTH@|$width|" \
        -e "s|@SOURCE_HEIGHT@|$height|" -e "s|@SOURCE_FPS@|$fps|" -e "s|@ENGINE_BACKEND@|$backend|" \
        -e "s|@MQTT_ENABLED@|$enabled|" -e "s|@MQTT_HOST@|$host|" -e "s|@MQTT_PORT@|$MQTT_PORT|" \
        -e "s|@PLACEHOLDERS@ are filled in by the installer for this platform.|Written for platform $PLATFORM.|" \
        "$SRC/systemd/glimpse.toml" | install_text /etc/glimpse/glimpse.toml 640
    run chgrp glimpse /etc/glimpse/glimpse.toml
}

# The broker's addresses (and DNS servers when it is a name) for IPAddressAllow=, read from the config.
broker_allow_list() {
    local py="python3"
    if [ -x "$ROOT$PREFIX/venv/bin/python" ] && [ -z "$ROOT" ]; then py="$PREFIX/venv/bin/python"; fi
    "$py" - "$ROOT/etc/glimpse/glimpse.toml" "$ROOT/etc/resolv.conf" <<'EOF' || warn "could not read the broker from the configuration"
import ipaddress, socket, sys
try:
    import tomllib
except ImportError:  # Python < 3.11 (JetPack): the venv has tomli
    import tomli as tomllib
with open(sys.argv[1], "rb") as fh:
    mqtt = tomllib.load(fh).get("mqtt", {})
host = str(mqtt.get("host", "127.0.0.1"))
if not mqtt.get("enabled", False):
    sys.exit(0)
try:
    addrs = {str(ipaddress.ip_address(host))}
    by_name = False
except ValueError:
    by_name = True
    try:
        addrs = {info[4][0] for info in socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)}
    except OSError as exc:
        print(f"glimpse-install: warning: cannot resolve broker {host!r}: {exc}", file=sys.stderr)
        addrs = set()
if by_name:  # the service must also reach the DNS servers to resolve the broker itself
    try:
        for line in open(sys.argv[2], encoding="utf-8"):
            parts = line.split()
            if len(parts) >= 2 and parts[0] == "nameserver":
                addrs.add(parts[1])
    except OSError:
        pass
for addr in sorted(addrs):
    if not ipaddress.ip_address(addr.split("%")[0]).is_loopback:
        print(addr)
EOF
}

network_dropin() {
    local addr allow=()
    while IFS= read -r addr; do
        if [ -n "$addr" ]; then allow+=("$addr"); fi
    done < <(broker_allow_list)
    allow+=("${ALLOW_NET[@]}")
    {
        printf '# Written by scripts/install.sh from /etc/glimpse/glimpse.toml (mqtt.host) and --allow-net.\n'
        printf '# Rerun the installer after changing the broker; the base unit allows only localhost.\n'
        printf '[Service]\n'
        for addr in "${allow[@]}"; do printf 'IPAddressAllow=%s\n' "$addr"; done
    } | install_text /etc/systemd/system/glimpse.service.d/50-network.conf 644
}

system_files() {
    local before=$CHANGED tmp
    tmp="$(mktemp)"
    sed "s#/opt/glimpse#$PREFIX#g" "$SRC/systemd/glimpse.service" >"$tmp"
    install_file "$tmp" /etc/systemd/system/glimpse.service 644
    rm -f "$tmp"
    network_dropin
    if [ "$PLATFORM" = jetson ]; then
        install_file "$SRC/firmware_config/jetson/glimpse-jetson-clocks.service" \
            /etc/systemd/system/glimpse-jetson-clocks.service 644
    fi
    if [ "$CHANGED" -ne "$before" ]; then run systemctl daemon-reload; fi
    before=$CHANGED
    install_file "$SRC/firmware_config/udev/99-glimpse-gpio.rules" /etc/udev/rules.d/99-glimpse-gpio.rules 644
    if [ "$CHANGED" -ne "$before" ]; then
        run udevadm control --reload-rules
        run udevadm trigger --subsystem-match=gpio --subsystem-match=video4linux
    fi
    run systemctl enable glimpse.service
    if [ "$PLATFORM" = jetson ]; then run systemctl enable glimpse-jetson-clocks.service; fi
}

payload() {
    install_tree "$SRC/models" "$PREFIX/models"
    install_tree "$SRC/firmware_config" "$PREFIX/share/firmware_config"
    if [ -f "$SRC/docs/deploy.md" ]; then install_file "$SRC/docs/deploy.md" "$PREFIX/share/doc/deploy.md" 644; fi
    printf 'Glimpse is installed here; scripts/uninstall.sh removes this directory.\n' |
        install_text "$PREFIX/.glimpse-install" 644
    install -d -m 750 "$ROOT/var/lib/glimpse" "$ROOT/var/lib/glimpse/engines"
    run chown glimpse:glimpse /var/lib/glimpse /var/lib/glimpse/engines
}

as_service_user() {
    run runuser -u glimpse -- env GLIMPSE_MODELS="$PREFIX/models" "$PREFIX/venv/bin/glimpse" "$@"
}

finish() {
    local skip=()
    if [ "$PLATFORM" = jetson ] && [ "$DO_ENGINE" -eq 1 ]; then
        as_service_user engine build --config /etc/glimpse/glimpse.toml || warn "engine build failed; see above"
    fi
    if [ "$DO_DOCTOR" -eq 1 ]; then
        # A running service holds the camera: check everything else.
        if [ -z "$ROOT" ] && systemctl is-active --quiet glimpse.service; then skip=(--skip camera); fi
        as_service_user doctor --config /etc/glimpse/glimpse.toml "${skip[@]}" ||
            warn "glimpse doctor reported failures; fix them and run it again"
    fi
    if [ "$DO_START" -eq 1 ]; then run systemctl restart glimpse.service; fi
}

main() {
    parse_args "$@"
    detect_platform
    check_jetpack
    apt_packages
    service_user
    payload
    python_env
    write_config
    system_files
    finish
    log "done: $CHANGED file(s) written under ${ROOT:-/}"
}

main "$@"
