"""gpiozero pin backend (Raspberry Pi); the pin factory is passed in (tests use MockFactory)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from edge.errors import BackendUnavailable
from edge.sinks.gpio.base import Output

logger = logging.getLogger(__name__)


class _ZeroOutput:
    def __init__(self, device: Any, pwm: bool) -> None:
        self._device = device
        self._pwm = pwm
        self._closed = False

    def set(self, value: float) -> None:
        if self._closed:
            return
        level = min(1.0, max(0.0, value))
        self._device.value = level if self._pwm else (1 if level >= 0.5 else 0)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._device.close()


class GpiozeroBackend:
    """Outputs and buttons through gpiozero.

    Usage::

        from gpiozero.pins.mock import MockFactory, MockPWMPin
        backend = GpiozeroBackend(MockFactory(pin_class=MockPWMPin))
        led = backend.output(17, active_high=True, pwm=False)
        led.set(1.0)
    """

    def __init__(self, pin_factory: Any | None = None) -> None:
        try:
            import gpiozero
        except ImportError as exc:
            raise BackendUnavailable(f"gpio backend 'gpiozero' cannot load here: {exc}") from exc
        self._gpiozero = gpiozero
        self._factory = pin_factory
        self._devices: list[Any] = []

    def _make(self, cls_name: str, pin: int, **kwargs: Any) -> Any:
        cls = getattr(self._gpiozero, cls_name)
        try:
            device = cls(pin, pin_factory=self._factory, **kwargs)
        except Exception as exc:  # gpiozero raises its own hierarchy (BadPinFactory, PinInvalidPin, ...)
            raise BackendUnavailable(f"gpiozero cannot open BCM pin {pin!r} as {cls_name}: {exc}") from exc
        self._devices.append(device)
        return device

    def output(self, pin: int, *, active_high: bool, pwm: bool) -> Output:
        cls_name = "PWMOutputDevice" if pwm else "DigitalOutputDevice"
        device = self._make(cls_name, pin, active_high=active_high, initial_value=0)
        return _ZeroOutput(device, pwm)

    def button(self, pin: int, *, pull_up: bool, bounce_ms: int, on_press: Callable[[], None]) -> None:
        bounce_s = bounce_ms / 1000.0 if bounce_ms > 0 else None
        device = self._make("Button", pin, pull_up=pull_up, bounce_time=bounce_s)
        device.when_pressed = lambda: on_press()

    def close(self) -> None:
        devices, self._devices = self._devices, []
        for device in reversed(devices):
            try:
                device.close()
            except Exception as exc:  # releasing must go on for the other pins
                logger.warning("gpiozero close failed: %s", exc)
