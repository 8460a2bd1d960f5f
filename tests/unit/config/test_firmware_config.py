"""Every TOML file shipped in firmware_config/ loads through the real configuration model."""

from __future__ import annotations

from pathlib import Path

import pytest
from gpiozero.pins.mock import MockFactory, MockPWMPin

from edge.config import read_file, validate
from edge.control import Controller
from edge.sinks.gpio.sink import GpioSink, open_backend

FIRMWARE = Path(__file__).resolve().parents[3] / "firmware_config"
TOML_FILES = sorted(FIRMWARE.rglob("*.toml"))


def test_the_kiosk_pin_maps_are_found() -> None:
    names = {p.name for p in TOML_FILES}
    assert {"pins-pi.toml", "pins-jetson.toml", "pins-minimal.toml"} <= names


@pytest.mark.parametrize("path", TOML_FILES, ids=lambda p: str(p.relative_to(FIRMWARE)))
def test_firmware_toml_validates_as_pasted(path: Path) -> None:
    """The docs say: paste the file into /etc/glimpse/glimpse.toml. So it must validate unchanged."""
    config = validate(read_file(path))  # extra keys are forbidden: a wrong name fails here
    if path.name.startswith("pins-"):
        gpio = config.gpio
        assert gpio.enabled and gpio.camera_led_pin == 17 and gpio.pause_button_pin == 27


def test_pi_pin_map_drives_the_pins_it_names() -> None:
    """The Pi map through the real GPIO sink on gpiozero's mock pins: each named pin is claimed."""
    config = validate(read_file(FIRMWARE / "kiosk" / "pins-pi.toml")).gpio
    factory = MockFactory(pin_class=MockPWMPin)
    try:
        with GpioSink(config, Controller(), open_backend(config, factory)):
            claimed = {pin for pin in (17, 18, 22, 23, 24, 27) if factory.pin(pin).function != "input"}
            assert claimed == {17, 18, 22, 23, 24}  # outputs; 27 is the button (an input)
    finally:
        factory.reset()
