"""Privacy pause and resume, shared by the button, MQTT and the dashboard."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

logger = logging.getLogger(__name__)

Listener = Callable[[bool, str], None]


class Controller:
    """Holds the pause flag and tells listeners when it changes.

    Usage::

        control = Controller()
        control.subscribe(lambda paused, reason: print(paused, reason))
        control.pause("button")
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._paused = threading.Event()
        self._listeners: list[Listener] = []

    @property
    def paused(self) -> bool:
        return self._paused.is_set()

    def subscribe(self, listener: Listener) -> None:
        with self._lock:
            self._listeners.append(listener)

    def pause(self, reason: str) -> None:
        self._set(True, reason)

    def resume(self, reason: str) -> None:
        self._set(False, reason)

    def toggle(self, reason: str) -> None:
        self._set(not self.paused, reason)

    def _set(self, paused: bool, reason: str) -> None:
        with self._lock:
            if paused == self._paused.is_set():
                return
            if paused:
                self._paused.set()
            else:
                self._paused.clear()
            listeners = list(self._listeners)
        logger.info("privacy %s (%s)", "paused" if paused else "resumed", reason)
        for listener in listeners:
            listener(paused, reason)
