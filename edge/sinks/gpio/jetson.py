"""Jetson.GPIO pin backend: the same outputs as gpiozero on a Jetson (BCM numbering).

Jetson.GPIO has no software PWM (hardware PWM exists on two pins only), so
every output is digital: an RGB colour lights each channel at >= 50 %.
Its pull-up/down settings are ignored by the library; buttons need external
pull resistors. Since 2.1.0 (the ``jetson`` extra's minimum) Jetson.GPIO drives
the GPIO character device (/dev/gpiochip*), not sysfs (debian/changelog).
Reference: https://github.com/NVIDIA/jetson-gpio (README, API).
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from types import ModuleType
from typing import Any

from edge.errors import BackendUnavailable
from edge.sinks.gpio.base import Output

logger = logging.getLogger(__name__)


class _JetsonOutput:
    def __init__(self, gpio: Any, pin: int, active_high: bool) -> None:
        self._gpio = gpio
        self._pin = pin
        self._on = gpio.HIGH if active_high else gpio.LOW
        self._off = gpio.LOW if active_high else gpio.HIGH
        self._closed = False

    def set(self, value: float) -> None:
        if not self._closed:
            self._gpio.output(self._pin, self._on if value >= 0.5 else self._off)

    def close(self) -> None:
        if not self._closed:
            self.set(0.0)
            self._closed = True


class JetsonBackend:
    """Outputs and buttons through Jetson.GPIO (``gpio_module`` lets tests pass a fake)."""

    def __init__(self, gpio_module: ModuleType | Any | None = None) -> None:
        if gpio_module is None:
            try:
                gpio_module = importlib.import_module("Jetson.GPIO")
            except ImportError as exc:
                raise BackendUnavailable(f"gpio backend 'jetson' cannot load here: {exc}") from exc
            except RuntimeError as exc:  # Jetson.GPIO raises RuntimeError off a Jetson
                raise BackendUnavailable(f"gpio backend 'jetson' cannot load here: {exc}") from exc
        self._gpio = gpio_module
        self._gpio.setwarnings(False)
        self._gpio.setmode(self._gpio.BCM)
        self._pins: list[int] = []
        self._outputs: list[_JetsonOutput] = []

    def output(self, pin: int, *, active_high: bool, pwm: bool) -> Output:
        off = self._gpio.LOW if active_high else self._gpio.HIGH
        self._setup(pin, self._gpio.OUT, initial=off)
        out = _JetsonOutput(self._gpio, pin, active_high)
        self._outputs.append(out)
        return out

    def button(self, pin: int, *, pull_up: bool, bounce_ms: int, on_press: Callable[[], None]) -> None:
        self._setup(pin, self._gpio.IN)
        edge = self._gpio.FALLING if pull_up else self._gpio.RISING
        kwargs: dict[str, Any] = {"bouncetime": bounce_ms} if bounce_ms > 0 else {}
        self._gpio.add_event_detect(pin, edge, callback=lambda _channel: on_press(), **kwargs)

    def _setup(self, pin: int, mode: Any, **kwargs: Any) -> None:
        try:
            self._gpio.setup(pin, mode, **kwargs)
        except (ValueError, RuntimeError) as exc:
            raise BackendUnavailable(f"Jetson.GPIO cannot set up BCM pin {pin!r}: {exc}") from exc
        self._pins.append(pin)

    def close(self) -> None:
        outputs, self._outputs = self._outputs, []
        for out in outputs:
            out.close()
        pins, self._pins = self._pins, []
        if pins:
            try:
                self._gpio.cleanup(pins)
            except Exception as exc:  # release must not raise during shutdown
                logger.warning("Jetson.GPIO cleanup failed: %s", exc)
