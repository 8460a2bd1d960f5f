"""MQTT broker reachability (a TCP connect to mqtt.host:mqtt.port)."""

from __future__ import annotations

from edge.doctor.base import DoctorContext, Finding, Status

NAME = "mqtt"


def check_mqtt(ctx: DoctorContext) -> list[Finding]:
    mqtt = ctx.config.mqtt
    if not mqtt.enabled:
        return [Finding(NAME, Status.SKIP, "mqtt.enabled is false")]
    target = f"{mqtt.host}:{mqtt.port}"
    try:
        ctx.connect(mqtt.host, mqtt.port, 3.0)
    except OSError as exc:
        return [
            Finding(
                NAME,
                Status.FAIL,
                f"cannot connect to {target}: {exc}",
                "check mqtt.host/port and the broker; after changing the broker rerun scripts/install.sh "
                "so the service's IPAddressAllow= lets it through",
            )
        ]
    return [Finding(NAME, Status.OK, f"{target} accepts TCP connections")]
