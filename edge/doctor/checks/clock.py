"""Clock synchronisation: events carry wall-clock times."""

from __future__ import annotations

from edge.doctor.base import DoctorContext, Finding, Status

NAME = "clock"
FIX = "enable NTP: `sudo timedatectl set-ntp true` (a Pi has no RTC: wall time is wrong until NTP syncs)"


def check_clock(ctx: DoctorContext) -> list[Finding]:
    if ctx.path("/run/systemd/timesync/synchronized").exists():
        return [Finding(NAME, Status.OK, "systemd-timesyncd reports synchronized")]
    result = ctx.run(["timedatectl", "show", "--property=NTPSynchronized", "--value"])
    if result is None or result[0] != 0:
        return [Finding(NAME, Status.WARN, "cannot tell whether the clock is synchronised (no timedatectl)", FIX)]
    if result[1].strip() == "yes":
        return [Finding(NAME, Status.OK, "timedatectl: NTPSynchronized=yes")]
    return [Finding(NAME, Status.WARN, "clock not synchronised: event times may be wrong", FIX)]
