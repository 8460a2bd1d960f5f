"""MQTT output with a durable outbox (paho-mqtt 2.x, CallbackAPIVersion.VERSION2)."""
