"""MQTT output with a durable outbox."""
