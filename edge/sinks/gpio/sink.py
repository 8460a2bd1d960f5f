"""The GPIO sink: consent LED, event LED (single or RGB), buzzer and buttons."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from edge.control import Controller
from edge.events.model import DeviceState, Event
from edge.registry import load_entry
from edge.sinks.base import SinkBase
from edge.sinks.gpio.base import Output, PinBackend
from edge.sinks.gpio.config import GpioConfig, parse_color

logger = logging.getLogger(__name__)

BACKENDS = {
    "gpiozero": "edge.sinks.gpio.zero:GpiozeroBackend",
    "jetson": "edge.sinks.gpio.jetson:JetsonBackend",
}

OFF = (0.0, 0.0, 0.0)


def open_backend(config: GpioConfig, pin_factory: Any | None = None, gpio_module: Any | None = None) -> PinBackend:
    """The backend named by ``gpio.backend``; ``pin_factory``/``gpio_module`` are for tests and custom wiring."""
    cls = load_entry(BACKENDS, config.backend, "gpio backend")
    backend: PinBackend = cls(gpio_module) if config.backend == "jetson" else cls(pin_factory)
    return backend


class Debouncer:
    """Drops presses closer than ``bounce_ms`` to the last accepted one (some pin libraries do not)."""

    def __init__(self, bounce_ms: int, action: Callable[[], None], clock: Callable[[], float] = time.monotonic) -> None:
        self._bounce_s = bounce_ms / 1000.0
        self._action = action
        self._clock = clock
        self._last: float | None = None
        self._lock = threading.Lock()

    def __call__(self) -> None:
        now = self._clock()
        with self._lock:
            if self._last is not None and now - self._last < self._bounce_s:
                return
            self._last = now
        try:
            self._action()
        except Exception:  # a pin-library thread must never die from our callback
            logger.exception("button action failed")


class GpioSink(SinkBase):
    """Drives the LEDs from device state and events; buttons pause/resume through the controller.

    - camera LED: on exactly while ``DeviceState.capturing`` is true (the consent light);
    - event LED: pulses ``pulse_ms`` in the class colour; steady ``pause_color`` while paused;
    - buzzer: beeps ``buzzer_ms`` per event;
    - pause button: ``controller.toggle("button")``; session button: resume, optionally pause after ``session_s``.
    """

    name = "gpio"

    def __init__(self, config: GpioConfig, controller: Controller, backend: PinBackend) -> None:
        self._config = config
        self._controller = controller
        self._backend = backend
        self._lock = threading.Lock()
        self._timers: dict[str, threading.Timer] = {}
        self._paused = False
        self._closed = False
        try:
            self._camera = self._out(config.camera_led_pin, pwm=False)
            rgb = config.rgb_pins or []
            self._rgb = [backend.output(p, active_high=config.active_high, pwm=True) for p in rgb]
            self._event = None if rgb else self._out(config.event_led_pin, pwm=False)
            self._buzzer = self._out(config.buzzer_pin, pwm=False)
            self._buttons()
        except BaseException:
            backend.close()
            raise

    def _out(self, pin: int | None, *, pwm: bool) -> Output | None:
        return None if pin is None else self._backend.output(pin, active_high=self._config.active_high, pwm=pwm)

    def _buttons(self) -> None:
        cfg = self._config
        if cfg.pause_button_pin is not None:
            press = Debouncer(cfg.bounce_time_ms, lambda: self._controller.toggle("button"))
            self._backend.button(
                cfg.pause_button_pin, pull_up=cfg.pull_up, bounce_ms=cfg.bounce_time_ms, on_press=press
            )
        if cfg.session_button_pin is not None:
            session = Debouncer(cfg.bounce_time_ms, self._start_session)
            self._backend.button(
                cfg.session_button_pin, pull_up=cfg.pull_up, bounce_ms=cfg.bounce_time_ms, on_press=session
            )

    def _start_session(self) -> None:
        self._controller.resume("session-button")
        if self._config.session_s > 0:
            self._schedule("session", self._config.session_s, lambda: self._controller.pause("session-end"))

    def _schedule(self, key: str, delay_s: float, action: Callable[[], None]) -> None:
        with self._lock:
            if self._closed:
                return
            old = self._timers.pop(key, None)
            if old is not None:
                old.cancel()
            timer = threading.Timer(delay_s, action)
            timer.daemon = True
            self._timers[key] = timer
            timer.start()

    def _show(self, color: tuple[float, float, float]) -> None:
        if self._rgb:
            for out, level in zip(self._rgb, color, strict=True):
                out.set(level)
        elif self._event is not None:
            self._event.set(1.0 if any(c > 0 for c in color) else 0.0)

    def _rest(self) -> None:
        """What the event LED shows between pulses: the pause colour while paused, else off."""
        with self._lock:
            if self._closed:
                return
            self._show(parse_color(self._config.pause_color) if self._paused else OFF)

    def on_state(self, state: DeviceState) -> None:
        with self._lock:
            if self._closed:
                return
            if self._camera is not None:
                self._camera.set(1.0 if state.capturing else 0.0)
        if state.paused != self._paused:
            self._paused = state.paused
            self._rest()

    def on_event(self, event: Event) -> None:
        colors = self._config.colors
        hex_color = colors.get(event.emotion.label) or colors.get("unknown") or "#ffffff"
        with self._lock:
            if self._closed:
                return
            self._show(parse_color(hex_color))
        self._schedule("event", self._config.pulse_ms / 1000.0, self._rest)
        if self._buzzer is not None:
            self._buzzer.set(1.0)
            buzzer = self._buzzer
            self._schedule("buzzer", self._config.buzzer_ms / 1000.0, lambda: buzzer.set(0.0))

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            timers, self._timers = list(self._timers.values()), {}
        for timer in timers:
            timer.cancel()
        self._backend.close()
