"""SoC temperature (/sys/class/thermal) and, on a Pi, throttling (`vcgencmd get_throttled`)."""

from __future__ import annotations

from edge.doctor.base import DoctorContext, Finding, Status

WARN_C = 70.0
FAIL_C = 80.0
COOLING = "add a heatsink or fan (a Pi 5 needs the Active Cooler for sustained load)"
# vcgencmd get_throttled bits (Raspberry Pi documentation): now (0-3) and since boot (16-19).
THROTTLE_BITS = {0: "under-voltage", 1: "ARM frequency capped", 2: "throttled", 3: "soft temperature limit"}


def check_temperature(ctx: DoctorContext) -> list[Finding]:
    readings: list[float] = []
    for zone in sorted(ctx.path("/sys/class/thermal").glob("thermal_zone*/temp")):
        try:
            readings.append(int(zone.read_text().strip()) / 1000.0)
        except (OSError, ValueError):
            continue
    if not readings:
        return [Finding("temperature", Status.SKIP, "no thermal zones in /sys/class/thermal")]
    hottest = max(readings)
    detail = f"hottest zone {hottest:.1f} °C"
    if hottest >= FAIL_C:
        return [Finding("temperature", Status.FAIL, detail, COOLING)]
    if hottest >= WARN_C:
        return [Finding("temperature", Status.WARN, detail, COOLING)]
    return [Finding("temperature", Status.OK, detail)]


def check_throttling(ctx: DoctorContext) -> list[Finding]:
    result = ctx.run(["vcgencmd", "get_throttled"])
    if result is None or result[0] != 0 or "=" not in result[1]:
        return [Finding("throttling", Status.SKIP, "vcgencmd not available (not a Raspberry Pi)")]
    try:
        value = int(result[1].strip().split("=", 1)[1], 16)
    except ValueError:
        return [Finding("throttling", Status.WARN, f"unexpected vcgencmd output {result[1].strip()!r}")]
    now = [name for bit, name in THROTTLE_BITS.items() if value >> bit & 1]
    past = [name for bit, name in THROTTLE_BITS.items() if value >> (bit + 16) & 1]
    fix = "use the official power supply (5 V 3 A Pi 4, 5 V 5 A Pi 5) and cool the board"
    if now:
        return [Finding("throttling", Status.FAIL, f"now: {', '.join(now)} (0x{value:x})", fix)]
    if past:
        return [Finding("throttling", Status.WARN, f"since boot: {', '.join(past)} (0x{value:x})", fix)]
    return [Finding("throttling", Status.OK, "never throttled since boot")]
