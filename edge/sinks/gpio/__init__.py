"""LEDs, buzzer and buttons on GPIO (gpiozero on Raspberry Pi, Jetson.GPIO on Jetson)."""
