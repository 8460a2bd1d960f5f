"""The Jetson.GPIO backend behind the same interface, with a small fake of the Jetson.GPIO surface."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from typing import Any

import pytest

from edge.control import Controller
from edge.errors import BackendUnavailable
from edge.sinks.gpio.config import GpioConfig
from edge.sinks.gpio.jetson import JetsonBackend
from edge.sinks.gpio.sink import GpioSink, open_backend


class FakeJetsonGPIO:
    """What Jetson.GPIO exposes that the backend uses; records every call."""

    BCM, BOARD = "BCM", "BOARD"
    OUT, IN = "OUT", "IN"
    HIGH, LOW = 1, 0
    FALLING, RISING = "FALLING", "RISING"

    def __init__(self) -> None:
        self.mode: str | None = None
        self.levels: dict[int, list[int]] = {}
        self.detects: dict[int, tuple[str, Callable[[int], None], int | None]] = {}
        self.cleaned: list[int] = []

    def setwarnings(self, flag: bool) -> None:
        pass

    def setmode(self, mode: str) -> None:
        self.mode = mode

    def setup(self, pin: int, mode: str, initial: int | None = None) -> None:
        if not 0 <= pin <= 27:
            raise ValueError(f"channel {pin} invalid")
        if mode == self.OUT:
            self.levels[pin] = [initial if initial is not None else 0]

    def output(self, pin: int, value: int) -> None:
        if self.levels[pin][-1] != value:
            self.levels[pin].append(value)

    def add_event_detect(
        self, pin: int, edge: str, callback: Callable[[int], None], bouncetime: int | None = None
    ) -> None:
        self.detects[pin] = (edge, callback, bouncetime)

    def cleanup(self, pins: list[int]) -> None:
        self.cleaned.extend(pins)


def test_same_outputs_through_jetson_gpio(event: Any, device_state: Any) -> None:
    gpio = FakeJetsonGPIO()
    config = GpioConfig(
        enabled=True, backend="jetson", camera_led_pin=17, rgb_pins=[22, 23, 24], pause_button_pin=27, pulse_ms=10
    )
    controller = Controller()
    with GpioSink(config, controller, open_backend(config, gpio_module=gpio)) as sink:
        assert gpio.mode == "BCM"
        sink.on_state(device_state(capturing=True, paused=False))
        sink.on_state(device_state(capturing=False, paused=True, state="paused"))
        assert gpio.levels[24] == [0, 1]  # pause colour blue
        edge, callback, bounce = gpio.detects[27]
        assert (edge, bounce) == ("FALLING", 50)
        callback(27)
        assert controller.paused
    assert gpio.levels[17] == [0, 1, 0]
    assert sorted(gpio.cleaned) == [17, 22, 23, 24, 27]


def test_active_low_inverts_levels(event: Any, wait_until: Any) -> None:
    gpio = FakeJetsonGPIO()
    config = GpioConfig(enabled=True, backend="jetson", event_led_pin=12, active_high=False, pulse_ms=10)
    with GpioSink(config, Controller(), JetsonBackend(gpio)) as sink:
        sink.on_event(event())
        # the pulse ends on a timer thread: poll the level history instead of sleeping a fixed time
        assert wait_until(lambda: gpio.levels[12][:3] == [1, 0, 1])
    assert gpio.levels[12][:3] == [1, 0, 1]


@pytest.mark.skipif(importlib.util.find_spec("Jetson") is not None, reason="Jetson.GPIO is installed here")
def test_missing_library_is_backend_unavailable() -> None:
    config = GpioConfig(enabled=True, backend="jetson")
    with pytest.raises(BackendUnavailable, match="jetson"):
        open_backend(config)
