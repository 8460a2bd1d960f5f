"""LEDs, buzzer and buttons on GPIO."""
