"""GPIO access for the LEDs, buzzer and pause button."""

from __future__ import annotations

import os

from edge.doctor.base import DoctorContext, Finding, Status

NAME = "gpio"
FIX = "sudo usermod -aG gpio glimpse (install.sh does it) and install firmware_config/udev/99-glimpse-gpio.rules"


def check_gpio(ctx: DoctorContext) -> list[Finding]:
    if not ctx.config.gpio.enabled:
        return [Finding(NAME, Status.SKIP, "gpio.enabled is false")]
    chips = sorted(ctx.path("/dev").glob("gpiochip*"))
    if not chips:
        return [Finding(NAME, Status.FAIL, "no /dev/gpiochip* device", "this board has no GPIO driver loaded")]
    denied = [c.name for c in chips if not os.access(c, os.R_OK | os.W_OK)]
    if len(denied) == len(chips):
        return [Finding(NAME, Status.FAIL, f"no read/write access to {', '.join(denied)}", FIX)]
    library = "Jetson.GPIO" if ctx.path("/etc/nv_tegra_release").exists() else "gpiozero"
    try:
        ctx.importer(library)
    except ImportError as exc:
        return [
            Finding(
                NAME,
                Status.FAIL,
                f"{library} not importable: {exc}",
                "reinstall with the platform extra: scripts/install.sh",
            )
        ]
    return [Finding(NAME, Status.OK, f"{len(chips) - len(denied)} chip(s) accessible, {library} importable")]
