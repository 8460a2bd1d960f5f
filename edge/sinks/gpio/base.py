"""The pin interface both GPIO libraries sit behind (gpiozero on Pi, Jetson.GPIO on Jetson)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol


class Output(Protocol):
    """One output pin; ``set`` takes a level in [0, 1] (digital pins light at >= 0.5)."""

    def set(self, value: float) -> None:
        """Drive the pin to ``value`` (0 off, 1 fully on)."""

    def close(self) -> None:
        """Turn off and release the pin; idempotent."""


class PinBackend(Protocol):
    """Hands out outputs and buttons; closing it releases every pin it handed out."""

    def output(self, pin: int, *, active_high: bool, pwm: bool) -> Output:
        """An output on BCM ``pin``; ``pwm`` asks for brightness levels between 0 and 1."""

    def button(self, pin: int, *, pull_up: bool, bounce_ms: int, on_press: Callable[[], None]) -> None:
        """Call ``on_press`` (on a library thread) each time the button on ``pin`` is pressed."""

    def close(self) -> None:
        """Release every pin; idempotent."""
