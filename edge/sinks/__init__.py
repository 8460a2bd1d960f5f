"""Outputs: the event bus and the sinks it feeds (store, JSONL, journal, MQTT, GPIO, the dashboard feed)."""
