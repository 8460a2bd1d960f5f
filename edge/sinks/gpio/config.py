"""Configuration of LEDs, buzzer and buttons (BCM pin numbers on both Pi and Jetson)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from edge.config.base import Section

Pin = int
HEX_COLOR = r"^#[0-9A-Fa-f]{6}$"


def _default_colors() -> dict[str, str]:
    return {"negative": "#ff0000", "positive": "#00ff00", "surprise": "#ffff00", "unknown": "#ffffff"}


class GpioConfig(Section):
    """GPIO outputs and inputs (BCM pin numbers).

    Example (``firmware_config/kiosk/pins-pi.toml``)::

        [gpio]
        enabled = true
        camera_led_pin = 17
        rgb_pins = [22, 23, 24]
        pause_button_pin = 27
    """

    enabled: bool = Field(default=False, description="Drive LEDs, buzzer and read buttons on GPIO.")
    backend: Literal["gpiozero", "jetson"] = Field(
        default="gpiozero", description="GPIO library: gpiozero (Raspberry Pi) or jetson (Jetson.GPIO)."
    )
    active_high: bool = Field(default=True, description="Outputs are on when the pin is high (false: wired to 3V3).")
    camera_led_pin: Pin | None = Field(
        default=None, ge=0, le=27, description="Camera-active (consent) LED, lit exactly while frames are analysed."
    )
    event_led_pin: Pin | None = Field(
        default=None, ge=0, le=27, description="Single-colour event LED, pulsed on each event (ignored with rgb_pins)."
    )
    rgb_pins: list[Pin] | None = Field(
        default=None, min_length=3, max_length=3, description="RGB event LED pins [red, green, blue] (PWM)."
    )
    colors: dict[str, str] = Field(
        default_factory=_default_colors,
        description="Event colour per emotion class as '#rrggbb'; classes not listed use 'unknown' (else white).",
    )
    pause_color: str = Field(
        default="#0000ff", pattern=HEX_COLOR, description="Steady RGB colour while a privacy pause is in force."
    )
    pulse_ms: int = Field(default=400, ge=10, le=10_000, description="How long the event LED lights per event, in ms.")
    buzzer_pin: Pin | None = Field(
        default=None,
        ge=0,
        le=27,
        description="Optional active buzzer (one with its own oscillator), switched on for buzzer_ms per event.",
    )
    buzzer_ms: int = Field(default=80, ge=10, le=5_000, description="Beep length per event in ms.")
    pause_button_pin: Pin | None = Field(
        default=None, ge=0, le=27, description="Privacy-pause button: each press toggles pause/resume."
    )
    session_button_pin: Pin | None = Field(
        default=None, ge=0, le=27, description="Optional kiosk session button: a press resumes analysis."
    )
    session_s: float = Field(
        default=0.0, ge=0, le=86_400, description="Pause again this many seconds after a session press (0: never)."
    )
    pull_up: bool = Field(default=True, description="Buttons connect the pin to ground (internal pull-up).")
    bounce_time_ms: int = Field(default=50, ge=0, le=2_000, description="Button debounce: presses closer are ignored.")

    @model_validator(mode="after")
    def _check(self) -> GpioConfig:
        for label, value in {**self.colors, "pause_color": self.pause_color}.items():
            if not isinstance(value, str) or len(value) != 7 or value[0] != "#" or not _is_hex(value[1:]):
                raise ValueError(f"colour {label!r} = {value!r}; expected '#rrggbb'")
        for pin in self.rgb_pins or []:
            if not 0 <= pin <= 27:
                raise ValueError(f"rgb pin {pin!r} out of range; expected a BCM number 0-27")
        used = [p for p in self.all_pins() if p is not None]
        duplicates = sorted({p for p in used if used.count(p) > 1})
        if duplicates:
            raise ValueError(f"pins {duplicates!r} are assigned twice; expected one use per pin")
        return self

    def all_pins(self) -> list[Pin | None]:
        """Every configured pin, outputs then inputs."""
        return [
            self.camera_led_pin,
            None if self.rgb_pins else self.event_led_pin,
            *(self.rgb_pins or []),
            self.buzzer_pin,
            self.pause_button_pin,
            self.session_button_pin,
        ]


def _is_hex(text: str) -> bool:
    try:
        int(text, 16)
    except ValueError:
        return False
    return True


def parse_color(value: str) -> tuple[float, float, float]:
    """'#ff8000' -> (1.0, 0.502, 0.0)."""
    return (int(value[1:3], 16) / 255.0, int(value[3:5], 16) / 255.0, int(value[5:7], 16) / 255.0)
