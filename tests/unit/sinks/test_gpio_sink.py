"""GPIO sink on gpiozero's MockFactory: pin state histories for the consent LED, RGB pulses, pause and buttons."""

from __future__ import annotations

from typing import Any

import pytest
from gpiozero import LED, GPIOPinInUse
from gpiozero.pins.mock import MockFactory, MockPWMPin

from edge.config import validate
from edge.control import Controller
from edge.sinks.gpio.config import GpioConfig, parse_color
from edge.sinks.gpio.sink import Debouncer, GpioSink, open_backend
from edge.sinks.registry import build_gpio


@pytest.fixture
def factory() -> Any:
    f = MockFactory(pin_class=MockPWMPin)
    yield f
    f.reset()


def states(factory: Any, pin: int) -> list[float]:
    return [float(s.state) for s in factory.pin(pin).states]


def kiosk(**extra: Any) -> GpioConfig:
    return GpioConfig(
        enabled=True,
        camera_led_pin=17,
        rgb_pins=[22, 23, 24],
        buzzer_pin=25,
        pause_button_pin=27,
        pulse_ms=30,
        buzzer_ms=20,
        bounce_time_ms=0,
        **extra,
    )


def test_camera_led_follows_capture_state_exactly(factory: Any, device_state: Any) -> None:
    with GpioSink(kiosk(), Controller(), open_backend(kiosk(), factory)) as sink:
        sink.on_state(device_state(capturing=False, paused=False, state="starting"))
        sink.on_state(device_state(capturing=True, paused=False))
        sink.on_state(device_state(capturing=False, paused=True, state="paused"))
        sink.on_state(device_state(capturing=True, paused=False))
        sink.on_state(device_state(capturing=False, paused=False, state="stopped"))
    # initial low, then one level per state change (gpiozero records only changes)
    assert states(factory, 17) == [0, 1, 0, 1, 0]


def test_event_pulses_the_class_colour_then_goes_dark(factory: Any, event: Any, wait_until: Any) -> None:
    config = kiosk()
    with GpioSink(config, Controller(), open_backend(config, factory)) as sink:
        sink.on_event(event(label="positive"))
        # the pulse ends on a timer thread: wait for the pins to go dark, not a fixed time
        assert wait_until(lambda: factory.pin(23).state == 0 and factory.pin(25).state == 0)
        assert states(factory, 22) == [0]  # red never lit (mock pins record changes only)
        assert states(factory, 23) == [0, 1, 0]  # green pulse for 'positive'
        assert states(factory, 25) == [0, 1, 0]  # buzzer beep
        sink.on_event(event(label="negative"))
        assert wait_until(lambda: states(factory, 22) == [0, 1, 0])
        assert wait_until(lambda: states(factory, 25) == [0, 1, 0, 1, 0])
        assert states(factory, 23) == [0, 1, 0]  # green stayed dark for 'negative'


def test_pause_shows_steady_pause_colour_and_camera_off(factory: Any, device_state: Any) -> None:
    config = kiosk(pause_color="#0000ff")
    with GpioSink(config, Controller(), open_backend(config, factory)) as sink:
        sink.on_state(device_state(capturing=True, paused=False))
        sink.on_state(device_state(capturing=False, paused=True, state="paused"))
        assert factory.pin(24).state == 1 and factory.pin(17).state == 0
        sink.on_state(device_state(capturing=True, paused=False))
        assert factory.pin(24).state == 0 and factory.pin(17).state == 1
    assert states(factory, 24) == [0, 1, 0]


def test_pause_button_toggles_the_controller(factory: Any) -> None:
    controller = Controller()
    seen: list[tuple[bool, str]] = []
    controller.subscribe(lambda paused, reason: seen.append((paused, reason)))
    with GpioSink(kiosk(), controller, open_backend(kiosk(), factory)):
        button = factory.pin(27)
        button.drive_low()  # pressed (pull-up: pressed pulls to ground)
        button.drive_high()
        button.drive_low()
        button.drive_high()
    assert seen == [(True, "button"), (False, "button")]


def test_debounce_drops_presses_inside_bounce_time() -> None:
    now = [0.0]
    hits: list[float] = []
    press = Debouncer(50, lambda: hits.append(now[0]), clock=lambda: now[0])
    for t in (0.0, 0.010, 0.049, 0.051, 0.080, 0.200):
        now[0] = t
        press()
    assert hits == [0.0, 0.051, 0.200]


def test_session_button_resumes_then_pauses_after_session(factory: Any, wait_until: Any) -> None:
    controller = Controller()
    controller.pause("idle")
    seen: list[tuple[bool, str]] = []
    controller.subscribe(lambda paused, reason: seen.append((paused, reason)))
    config = GpioConfig(enabled=True, session_button_pin=5, session_s=0.05, bounce_time_ms=0)
    with GpioSink(config, controller, open_backend(config, factory)):
        factory.pin(5).drive_low()
        assert seen[:1] == [(False, "session-button")]  # the press resumed at once, on the pin's callback
        assert wait_until(lambda: controller.paused)
    assert seen == [(False, "session-button"), (True, "session-end")]


def test_single_event_led_and_active_low(factory: Any, event: Any, wait_until: Any) -> None:
    config = GpioConfig(enabled=True, event_led_pin=12, active_high=False, pulse_ms=20)
    with GpioSink(config, Controller(), open_backend(config, factory)) as sink:
        sink.on_event(event())
        assert wait_until(lambda: states(factory, 12)[1:4] == [1, 0, 1])
    # active-low: idle is high (1), the pulse is low (0), then high again; close releases the pin
    assert states(factory, 12)[1:4] == [1, 0, 1]


def test_close_is_idempotent_and_releases_pins(factory: Any, event: Any, device_state: Any) -> None:
    sink = GpioSink(kiosk(), Controller(), open_backend(kiosk(), factory))
    sink.on_state(device_state(capturing=True, paused=False))
    with pytest.raises(GPIOPinInUse):  # while the sink holds pin 17, nobody else may
        LED(17, pin_factory=factory)
    sink.close()
    sink.close()
    history = {pin: states(factory, pin) for pin in (17, 22, 23, 24, 25)}
    sink.on_event(event())  # after close: ignored, no pin moves, nothing raises
    assert {pin: states(factory, pin) for pin in history} == history
    for pin in (17, 22, 23, 24, 25, 27):  # every pin is free again
        LED(pin, pin_factory=factory).close()


def test_config_rejects_duplicate_pins_and_bad_colours() -> None:
    with pytest.raises(Exception, match="assigned twice"):
        GpioConfig(camera_led_pin=17, pause_button_pin=17)
    with pytest.raises(Exception, match="rrggbb"):
        GpioConfig(colors={"negative": "red"})
    with pytest.raises(Exception, match="rgb pin"):
        GpioConfig(rgb_pins=[1, 2, 40])
    assert parse_color("#ff8000") == (1.0, 128 / 255, 0.0)


def test_registry_builds_the_gpio_sink_from_the_root_config(factory: Any, device_state: Any) -> None:
    config = validate({"gpio": {"enabled": True, "camera_led_pin": 17}})
    sink = build_gpio(config, Controller(), pin_factory=factory)
    sink.on_state(device_state(capturing=True, paused=False))
    assert factory.pin(17).state == 1
    sink.close()


def test_state_after_close_is_ignored(factory: Any, device_state: Any) -> None:
    config = validate({"gpio": {"enabled": True, "camera_led_pin": 17}})
    sink = build_gpio(config, Controller(), pin_factory=factory)
    sink.close()
    sink.on_state(device_state(capturing=True, paused=True, state="paused"))  # late state from the bus
    assert factory.pin(17).state == 0
